"""The messenger service."""
