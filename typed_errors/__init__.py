"""The one shape of every domain error: a stable ``code`` for programs, an i18n
``message_key`` for people, and a ``detail`` that never holds personal data. Each package
derives its own base from it; the edges (HTTP, Socket.IO) turn any of them into
``{code, message_key, details}``."""

from __future__ import annotations

from typing import TypedDict

from pydantic import ValidationError


class TypedError(Exception):
    code = "error"
    message_key = "errors.internal"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class InvalidPayload(TypedError):
    """A body or event payload that does not fit its schema (the edges raise it for pydantic's
    ``ValidationError``; ``details`` lists the fields, never the values sent)."""

    code = "invalid_payload"
    message_key = "errors.signaling.invalid_payload"


class FieldProblem(TypedDict):
    field: str
    problem: str


def validation_problems(error: ValidationError, limit: int = 10) -> list[FieldProblem]:
    """Which fields were wrong and how (pydantic's error type), without echoing any input."""
    return [
        {"field": ".".join(str(part) for part in e["loc"]), "problem": e["type"]}
        for e in error.errors()[:limit]
    ]
