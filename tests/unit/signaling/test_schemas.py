"""Event payloads that aiortc or the database would choke on are refused by their schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from signaling.schemas import Candidate, Offer, RoomQuery

CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"


def test_a_candidate_naming_no_media_line_is_refused() -> None:
    with pytest.raises(ValidationError):
        Candidate.model_validate({"candidate": CANDIDATE})
    with pytest.raises(ValidationError):
        Candidate.model_validate({"candidate": CANDIDATE, "sdpMid": None, "sdpMLineIndex": None})


@pytest.mark.parametrize("media_line", [{"sdpMid": "0"}, {"sdpMLineIndex": 0}])
def test_a_candidate_naming_its_mid_or_its_line_is_taken(media_line: dict[str, object]) -> None:
    assert Candidate.model_validate({"candidate": CANDIDATE, **media_line}).candidate == CANDIDATE


@pytest.mark.parametrize("text", ["v=0\ud800", "v=0\x00"])
def test_text_that_is_not_plain_unicode_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        Offer.model_validate({"sdp": text})
    with pytest.raises(ValidationError):
        RoomQuery.model_validate({"room": text})


def test_bidi_and_zero_width_characters_are_text_like_any_other() -> None:
    assert RoomQuery.model_validate({"room": "room-1\u202e\u200b"}).room == "room-1\u202e\u200b"
