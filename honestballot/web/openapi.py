"""OpenAPI descriptions of the bodies the API reads raw (ballots, files, CSV).

These routes read the request body themselves (strict parsing happens in the record
layer), so FastAPI cannot infer their schema; this declares it, so clients and the
schema-driven fuzzing test see what each route takes and returns.
"""

from __future__ import annotations

from typing import Any

OBJECT: dict[str, Any] = {"type": "object"}


def json_body(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema or OBJECT}},
        }
    }


def csv_body(description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }


def file_response(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}
    }


def strings(*names: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(names),
        "properties": {n: {"type": "string"} for n in names},
    }
