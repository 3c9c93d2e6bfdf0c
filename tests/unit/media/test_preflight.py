"""Preflight picture checks on synthetic frames and on a photograph of a face."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from media.preflight import Image, Verdict, check_frames


def face_picture() -> Image:
    """NASA's public-domain portrait of Eileen Collins (shipped inside scikit-image), 320x240."""
    portrait = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    return np.ascontiguousarray(cv2.resize(portrait, (320, 320))[40:280, :])


def moving(picture: Image, frames: int = 6) -> list[Image]:
    return [np.roll(picture, 3 * index, axis=1) for index in range(frames)]


def test_a_moving_face_passes() -> None:
    result = check_frames(moving(face_picture()))
    assert result.verdict is Verdict.OK
    assert result.passed
    assert result.faces >= 1


def test_a_black_picture_is_a_covered_lens() -> None:
    result = check_frames([np.zeros((240, 320, 3), np.uint8)] * 6)
    assert result.verdict is Verdict.BLACK
    assert result.message_key == "preflight.black"


def test_a_frozen_picture_is_frozen_even_with_a_face() -> None:
    result = check_frames([face_picture()] * 6)
    assert result.verdict is Verdict.FROZEN
    assert result.faces >= 1


def test_a_dim_picture_is_too_dark() -> None:
    dim = (face_picture() * 0.25).astype(np.uint8)
    assert check_frames(moving(dim)).verdict is Verdict.TOO_DARK


def test_a_moving_picture_without_anyone_has_no_face() -> None:
    rng = np.random.default_rng(7)
    frames = [rng.integers(60, 200, (240, 320, 3), dtype=np.uint8) for _ in range(6)]
    result = check_frames(frames)
    assert result.verdict is Verdict.NO_FACE
    assert result.faces == 0


def test_every_verdict_has_arabic_and_english_guidance() -> None:
    root = Path(__file__).parents[3] / "web_client" / "i18n"
    for language in ("ar", "en"):
        catalog = json.loads((root / f"{language}.json").read_text(encoding="utf-8"))
        for verdict in Verdict:
            assert catalog[f"preflight.{verdict.value}"].strip(), f"{language}: {verdict}"


def test_no_frames_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        check_frames([])
