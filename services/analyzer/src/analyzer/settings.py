"""Settings of the analyzer service."""

from __future__ import annotations

from pydantic import model_validator

from service_runtime.settings import OptionalSecret, ServiceSettings


class AnalyzerSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "analyzer"
    http_port: int = 8001
    # Each turn waits seconds for the LLM, so in-flight records / mean LLM latency is this
    # process's rate (Little's law): 1,000 keeps 100 messages/s up to a 10 s mean. It is also the
    # OpenAI SDK's connection limit; beyond it a call would wait for a connection.
    kafka_max_in_flight: int = 1000
    openai_api_key: OptionalSecret = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-5-nano"
    # gpt-5-nano's list price per million tokens, for the cost estimate on each Feedback row
    llm_price_input_per_million_usd: float = 0.05
    llm_price_output_per_million_usd: float = 0.40
    # The media service's transcription model, for the session's cost (gpt-4o-mini-transcribe).
    transcription_price_per_minute_usd: float = 0.003
    # Above a model's tail, not inside it: a call cut off by the timeout is still billed, and
    # its retry costs the customer another wait (at a 3 s median, sigma 0.6, 10 s cut off 2%).
    openai_timeout_s: float = 30.0
    openai_max_retries: int = 1
    sessions_table: str = "sessions"
    chats_table: str = "chats"
    opt_outs_table: str = "opt_outs"
    retention_days: int = 90  # sessions and chats expire through DynamoDB's TTL
    session_inactivity_minutes: int = 30
    limit_window_minutes: int = 10
    irrelevant_limit: int = 3  # off-topic messages in a row that open the limit window
    history_token_budget: int = 1500
    ask_rating: bool = True  # ask for a 1-5 rating once the feedback is given
    # A bare yes/no where one is asked, an offered photo, an opening greeting: answered by the
    # scripted flow, without an LLM call (analyzer.control); false sends every turn to the LLM.
    llm_control_turns: bool = True
    llm_failure_threshold: int = 3
    llm_cooldown_s: float = 60.0
    # The approved WhatsApp template of a feedback request the business starts (Twilio's
    # Content API): its ContentSid, its variables ({product} and {order_ref} filled in), and
    # its text as the customer reads it (the conversation's first turn, for the LLM).
    feedback_template_sid: str = "HX" + "0" * 32
    feedback_template_variables: dict[str, str] = {"1": "{product}"}
    feedback_template_text: str = (
        "Hi! How was your {product}? Reply to this message to tell us what you think."
    )
    request_answer_window_hours: float = 72.0  # how long a request's session awaits the answer

    @model_validator(mode="after")
    def _llm_fits_in_poll_interval(self) -> AnalyzerSettings:
        # Worst case per message: every attempt times out, plus a 60 s Retry-After between them,
        # and one re-ask for invalid output. It must stay well inside the poll interval.
        attempts = self.openai_max_retries + 1
        worst = 2 * (attempts * self.openai_timeout_s + self.openai_max_retries * 60)
        if worst > self.max_poll_interval_s:
            raise ValueError(
                f"OPENAI_TIMEOUT_S/OPENAI_MAX_RETRIES allow {worst:.0f}s per message, "
                f"over the {self.max_poll_interval_s:.0f}s poll interval"
            )
        return self
