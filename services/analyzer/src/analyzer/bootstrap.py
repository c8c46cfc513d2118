"""Composition root: create the adapters once and wire them into the handler."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

import boto3
import openai
from fastapi import FastAPI

from analyzer.adapters.dynamo_sessions import DynamoSessionStore
from analyzer.adapters.openai_verdicts import OpenAIVerdicts
from analyzer.control import ControlTurnsOffline
from analyzer.degrading import DegradingVerdicts
from analyzer.deps import Analyzer, ConversationPolicy, LlmPricing
from analyzer.handlers import handle_erasure_requested, handle_inbound
from analyzer.offline import OfflineVerdicts
from analyzer.requests import FeedbackTemplate, handle_feedback_requested
from analyzer.sessions import CachedSessions, SessionStore
from analyzer.settings import AnalyzerSettings
from analyzer.verdict import VerdictSource
from analyzer.voice import handle_voice_note_heard
from feedback_contracts import ErasureRequested, FeedbackRequested, InboundMessage, VoiceNoteHeard
from service_runtime.app import service_app
from service_runtime.consent import CachedConsent, ConsentStore
from service_runtime.dynamo_consent import DynamoConsentStore
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.wiring import Wiring


def verdict_source(settings: AnalyzerSettings) -> VerdictSource:
    """The LLM with the offline flow behind it, or the offline flow alone without a key."""
    if settings.openai_api_key is None:
        return OfflineVerdicts()
    key = settings.openai_api_key.get_secret_value()
    register_secrets(key)
    client = openai.AsyncOpenAI(
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_s,
        max_retries=settings.openai_max_retries,
        # The SDK's aiohttp transport: httpx's pool polls every connection to place each
        # request, so its CPU grows with the calls in flight (at 256: 3.2-4.0 ms a call against
        # 1.1-1.3, `make bench-llm-client`, docs/benchmarks.md).
        http_client=openai.DefaultAioHttpClient(timeout=settings.openai_timeout_s),
    )
    primary = OpenAIVerdicts(
        client, model=settings.openai_model, budget_tokens=settings.history_token_budget
    )
    degrading = DegradingVerdicts(
        primary,
        OfflineVerdicts(),
        failure_threshold=settings.llm_failure_threshold,
        cooldown_s=settings.llm_cooldown_s,
    )
    return with_control_turns(degrading, settings)


def with_control_turns(source: VerdictSource, settings: AnalyzerSettings) -> VerdictSource:
    """The LLM for the turns that need understanding; control turns scripted, if enabled."""
    return ControlTurnsOffline(source) if settings.llm_control_turns else source


def pricing(settings: AnalyzerSettings) -> LlmPricing:
    """The model's price, for the cost estimate; the offline analyzer's turns cost nothing, a
    voice note's transcription costs the same either way."""
    per_minute = settings.transcription_price_per_minute_usd
    if settings.openai_api_key is None:
        return LlmPricing(transcription_per_minute_usd=per_minute)
    return LlmPricing(
        settings.openai_model,
        settings.llm_price_input_per_million_usd,
        settings.llm_price_output_per_million_usd,
        per_minute,
    )


def feedback_template(settings: AnalyzerSettings) -> FeedbackTemplate:
    """The approved template that opens a feedback request."""
    return FeedbackTemplate(
        content_sid=settings.feedback_template_sid,
        variables=dict(settings.feedback_template_variables),
        text=settings.feedback_template_text,
        answer_window=timedelta(hours=settings.request_answer_window_hours),
    )


@dataclass
class AnalyzerAdapters:
    """Sessions and chats, the LLM (or the offline flow), and the opt-outs."""

    store: SessionStore
    verdicts: VerdictSource
    consent: ConsentStore


def adapters_for(settings: AnalyzerSettings) -> AnalyzerAdapters:
    """Sessions, chats and opt-outs in DynamoDB (cached), the verdicts from the LLM."""
    dynamodb = boto3.resource(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    sessions = DynamoSessionStore(
        dynamodb,
        sessions_table=settings.sessions_table,
        chats_table=settings.chats_table,
        retention=timedelta(days=settings.retention_days),
    )
    return AnalyzerAdapters(
        store=CachedSessions(sessions),
        verdicts=verdict_source(settings),
        consent=CachedConsent(DynamoConsentStore(dynamodb.Table(settings.opt_outs_table))),
    )


def create_app(
    settings: AnalyzerSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: AnalyzerAdapters | None = None,
) -> FastAPI:
    """The analyzer service as a FastAPI app; `adapters` replaces DynamoDB and the LLM."""

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        deps = Analyzer(
            store=used.store,
            verdicts=used.verdicts,
            publisher=publisher,
            policy=ConversationPolicy(
                inactivity=timedelta(minutes=settings.session_inactivity_minutes),
                limit_window=timedelta(minutes=settings.limit_window_minutes),
                history_token_budget=settings.history_token_budget,
                irrelevant_limit=settings.irrelevant_limit,
                ask_rating=settings.ask_rating,
            ),
            pricing=pricing(settings),
            consent=used.consent,
        )
        return Wiring(
            handlers=by_topic(
                on(InboundMessage, functools.partial(handle_inbound, deps=deps)),
                on(ErasureRequested, functools.partial(handle_erasure_requested, deps=deps)),
                on(VoiceNoteHeard, functools.partial(handle_voice_note_heard, deps=deps)),
                on(
                    FeedbackRequested,
                    functools.partial(
                        handle_feedback_requested, deps=deps, template=feedback_template(settings)
                    ),
                ),
            )
        )

    return service_app(settings, wire=wire, bus=bus)
