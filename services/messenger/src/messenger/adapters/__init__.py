"""Adapters of the messenger's ports: one module per external system."""
