"""One adapter per external system: PostgreSQL, the destinations over HTTP."""
