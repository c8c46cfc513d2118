"""The analyzer service."""
