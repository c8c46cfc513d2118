"""The persistence service."""
