"""Feedback intelligence: topics, sentiment and summaries from the business's own taxonomy."""
