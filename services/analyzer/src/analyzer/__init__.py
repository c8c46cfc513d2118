"""The analyzer service."""

SOURCE = "feedback-intelligence/analyzer"  # the CloudEvents source of its events
