"""What a staff password must be, and the one-time passwords an operator hands out.

Strength is zxcvbn's estimate (patterns, dictionaries, common passwords, keyboard walks),
not a hand-rolled score: a new password needs ``MIN_LENGTH`` characters and a score of at
least ``MIN_SCORE`` (of 4), with the account's own words (username, display name, the
one-time password it replaces) counted as guessable. A refusal carries zxcvbn's own feedback
strings, which are fixed texts of the library and never quote the password or those words.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from zxcvbn import zxcvbn

from typed_errors import TypedError

MIN_LENGTH = 12
MIN_SCORE = 3
MAX_CHECKED = 128  # zxcvbn's matching grows fast with length; past this, length is strength


@dataclass(frozen=True)
class Weakness:
    reason: str  # "too_short" or "too_guessable"
    warning: str  # zxcvbn's warning ("" when it has none)
    suggestions: tuple[str, ...]


class WeakPassword(TypedError):
    code = "weak_password"
    message_key = "errors.accounts.weak_password"

    def __init__(self, weakness: Weakness) -> None:
        super().__init__(weakness.reason)
        self.weakness = weakness


def weakness_of(password: str, personal: tuple[str, ...]) -> Weakness | None:
    """Why ``password`` is too weak, or None. CPU work (tens of ms): call it off the loop."""
    if len(password) < MIN_LENGTH:
        return Weakness("too_short", "", (f"Use at least {MIN_LENGTH} characters.",))
    estimate = zxcvbn(password[:MAX_CHECKED], user_inputs=[p for p in personal if p])
    if estimate["score"] >= MIN_SCORE:
        return None
    feedback = estimate["feedback"]
    return Weakness(
        "too_guessable", str(feedback["warning"]), tuple(str(s) for s in feedback["suggestions"])
    )


def one_time_password() -> str:
    """A random password to hand out once (about 96 bits); the account must replace it."""
    return secrets.token_urlsafe(12)
