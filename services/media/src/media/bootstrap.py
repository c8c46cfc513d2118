"""Composition root: create the adapters once and wire them into the handlers; a test passes
its own (`create_app(settings, adapters=MediaAdapters(InMemoryMediaSource(...), ...))`)."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field

import boto3
import httpx
import openai
from fastapi import FastAPI

from feedback_contracts import ErasureRequested, FeedbackCompleted, TranscriptionRequested
from media.adapters.openai_transcriber import OpenAITranscriber
from media.adapters.s3_sink import S3MediaSink
from media.adapters.twilio_source import TwilioMediaSource
from media.handlers import MediaCopier, handle_erasure_requested, handle_feedback_completed
from media.safety import HostPolicy
from media.settings import MediaSettings
from media.sink import MediaSink
from media.source import MediaSource
from media.transcriber import Transcriber
from media.voices import VoiceNotes, handle_transcription_requested
from service_runtime.app import service_app
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.wiring import Closer, Wiring


@dataclass
class MediaAdapters:
    """Where media comes from and goes to, and what to close at shutdown."""

    source: MediaSource
    sink: MediaSink
    transcriber: Transcriber | None = None  # None: no transcription model is set
    closers: list[Closer] = field(default_factory=list)


def adapters_for(settings: MediaSettings) -> MediaAdapters:
    """Twilio's media URLs, with their credentials, into the S3 bucket."""
    token = settings.twilio_auth_token.get_secret_value()
    http = httpx.Client(timeout=settings.media_timeout_s)
    s3 = boto3.client("s3", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    policy = HostPolicy(
        api_hosts=tuple(settings.twilio_api_hosts),
        cdn_hosts=tuple(settings.media_cdn_hosts),
        trusted_private=tuple(settings.media_trusted_private_hosts),
    )
    sink = S3MediaSink(
        s3, bucket=settings.s3_bucket_name, part_size=settings.media_part_size_mb * 2**20
    )
    source = TwilioMediaSource(
        http,
        account_sid=settings.twilio_account_sid,
        auth_token=token,
        policy=policy,
        attempts=settings.media_download_attempts,
    )

    transcriber, closers = _transcriber(settings)

    async def close() -> None:
        http.close()
        sink.close()

    return MediaAdapters(source, sink, transcriber, [close, *closers])


def _transcriber(settings: MediaSettings) -> tuple[Transcriber | None, list[Closer]]:
    """The transcription model's client, when one is set."""
    if not settings.transcription_model:
        return None, []
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = openai.AsyncOpenAI(
        api_key=key or "unused",  # a local compatible server may need none
        base_url=settings.openai_base_url,
        timeout=settings.transcription_timeout_s,
        max_retries=settings.transcription_max_retries,
    )
    return OpenAITranscriber(client, model=settings.transcription_model), [client.close]


def create_app(
    settings: MediaSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: MediaAdapters | None = None,
) -> FastAPI:
    """The media service as a FastAPI app."""
    register_secrets(settings.twilio_auth_token.get_secret_value())
    if settings.openai_api_key:
        register_secrets(settings.openai_api_key.get_secret_value())

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        deps = MediaCopier(
            source=used.source,
            sink=used.sink,
            publisher=publisher,
            delete_after_copy=settings.delete_twilio_media_after_copy,
            copies=asyncio.Semaphore(settings.media_parallel_copies),
        )

        handler = functools.partial(handle_feedback_completed, deps=deps)
        erase = functools.partial(handle_erasure_requested, deps=deps)
        voices = VoiceNotes(deps, used.transcriber, settings.voice_note_max_seconds)
        hear = functools.partial(handle_transcription_requested, deps=voices)
        return Wiring(
            handlers=by_topic(
                on(FeedbackCompleted, handler),
                on(ErasureRequested, erase),
                on(TranscriptionRequested, hear),
            ),
            closers=used.closers,
        )

    return service_app(settings, wire=wire, bus=bus)
