"""The one shape of every domain error: a stable ``code`` for programs, an i18n
``message_key`` for people, and a ``detail`` that never holds personal data. Each package
derives its own base from it; the edges (HTTP, Socket.IO) turn any of them into
``{code, message_key, details}``."""

from __future__ import annotations


class TypedError(Exception):
    code = "error"
    message_key = "errors.internal"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail
