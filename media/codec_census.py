"""Counts the decoders and encoders aiortc builds while a census is open.

The live path must build none: the benchmark reads these counts to prove it. Counting needs a
process-wide hook (``aiortc_hooks.count_codec_builds``), held only while a census is open.
"""

from __future__ import annotations

from collections import Counter

from media.aiortc_hooks import count_codec_builds


class CodecCensus:
    """Open from construction until ``close()``; counts only what is built meanwhile."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._holds = count_codec_builds(self._counts)

    @property
    def decoders(self) -> int:
        return self._counts["decoder"]

    @property
    def encoders(self) -> int:
        return self._counts["encoder"]

    def close(self) -> None:
        for hold in self._holds:
            hold.release()
