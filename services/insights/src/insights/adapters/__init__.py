"""Adapters of the insights service's ports: one module per external system."""
