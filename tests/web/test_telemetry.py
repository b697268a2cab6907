"""The service sends nothing to OpenTelemetry: FastAPI's own tracing is switched off, so
no span (with its paths, addresses and timings) is made even where a tracer provider has
been configured in the process, and no request pays for asking whether one was.  It
asks on the module's election with re-voting protection (``voters_web``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace

from tests.factories import WebElection


class RecordingTracer(trace.NoOpTracer):
    def __init__(self, spans: list[str]) -> None:
        self.spans = spans

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        self.spans.append(name)
        return super().start_span(name, *args, **kwargs)


class RecordingProvider(trace.TracerProvider):
    """A configured provider (neither the API's deferred one nor its no-op one) that
    records the spans started through it."""

    def __init__(self) -> None:
        self.spans: list[str] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return RecordingTracer(self.spans)


def test_requests_make_no_spans_even_with_a_tracer_provider(
    voters_web: WebElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = voters_web
    provider = RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    # the recording provider works: a plain FastAPI app traces its requests with it
    plain = FastAPI()

    @plain.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    assert TestClient(plain).get("/ping").status_code == 200
    assert provider.spans, "the plain app made no span: the test cannot tell"
    provider.spans.clear()
    assert web.client.get("/api/csrf").status_code == 200
    assert web.client.get(f"/api/e/{web.election_id}/context").status_code == 200
    assert provider.spans == []
