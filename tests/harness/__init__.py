"""Real infrastructure for the tests: Kafka, PostgreSQL and moto, never mocks."""
