"""Adapters of the media service's ports: one module per external system."""
