"""Alerts: the feedback that matters, sent to Slack or a signed webhook as it arrives."""
