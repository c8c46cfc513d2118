"""Stand-ins for the SaaS APIs (Twilio, OpenAI): real HTTP servers the real SDKs talk to."""
