"""Preflight picture checks on a few decoded frames: black or covered lens, too dark, frozen,
face in frame. Pure functions over BGR images (numpy arrays), run off the event loop.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import cv2
import cv2.data
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]

BLACK_MEAN_LUMA = 16.0
BLACK_LUMA_SPREAD = 8.0
DARK_MEAN_LUMA = 50.0
FROZEN_MEAN_DIFFERENCE = 0.6
FACE_CASCADE = "haarcascade_frontalface_default.xml"


class Verdict(StrEnum):
    OK = "ok"
    BLACK = "black"  # lens covered or camera delivering nothing
    TOO_DARK = "too_dark"
    FROZEN = "frozen"
    NO_FACE = "no_face"


@dataclass(frozen=True)
class PreflightResult:
    verdict: Verdict
    frames_checked: int
    mean_luma: float
    motion: float
    faces: int

    @property
    def message_key(self) -> str:
        return f"preflight.{self.verdict.value}"

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.OK


def check_frames(frames: list[Image]) -> PreflightResult:
    """The first problem found, in the order a person should fix them."""
    if not frames:
        raise ValueError("preflight needs at least one frame")
    grey: list[Image] = [
        np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), dtype=np.uint8) for frame in frames
    ]
    mean_luma = float(np.mean([g.mean() for g in grey]))
    spread = float(np.mean([g.std() for g in grey]))
    motion = _motion(grey)
    faces = max(_count_faces(g) for g in grey[-3:])

    def result(verdict: Verdict) -> PreflightResult:
        return PreflightResult(verdict, len(frames), round(mean_luma, 1), round(motion, 2), faces)

    if mean_luma < BLACK_MEAN_LUMA and spread < BLACK_LUMA_SPREAD:
        return result(Verdict.BLACK)
    if mean_luma < DARK_MEAN_LUMA:
        return result(Verdict.TOO_DARK)
    if len(grey) > 1 and motion < FROZEN_MEAN_DIFFERENCE:
        return result(Verdict.FROZEN)
    if faces == 0:
        return result(Verdict.NO_FACE)
    return result(Verdict.OK)


def _motion(grey: list[Image]) -> float:
    if len(grey) < 2:
        return 0.0
    differences = [
        float(cv2.absdiff(before, after).mean()) for before, after in itertools.pairwise(grey)
    ]
    return max(differences)


def _count_faces(grey: Image) -> int:
    equalised = cv2.equalizeHist(grey)
    minimum = max(24, min(grey.shape) // 10)
    found = _face_detector().detectMultiScale(
        equalised, scaleFactor=1.1, minNeighbors=5, minSize=(minimum, minimum)
    )
    return len(found)


@cache
def _face_detector() -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / FACE_CASCADE
    detector = cv2.CascadeClassifier(str(path))
    if detector.empty():
        raise RuntimeError(f"OpenCV face cascade missing: {path}")
    return detector
