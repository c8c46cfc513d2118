"""A service with nothing to do but start: the new-service template."""
