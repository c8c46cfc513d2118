"""Adapters of the persistence ports: one module per external system."""
