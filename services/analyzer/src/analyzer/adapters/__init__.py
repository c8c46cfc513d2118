"""Adapters of the analyzer's ports: one module per external system."""
