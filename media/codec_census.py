"""Counts the decoders and encoders aiortc builds in this process.

The live path must build none: the benchmark and the tests read these counts to prove it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender

_census: Counter[str] = Counter()


def count_codec_constructions() -> Counter[str]:
    """Start counting (idempotent) and return the live counter: keys ``decoder``/``encoder``."""
    receiver_module: Any = aiortc.rtcrtpreceiver
    sender_module: Any = aiortc.rtcrtpsender
    if not getattr(receiver_module.get_decoder, "_majlis_counted", False):
        receiver_module.get_decoder = _counting("decoder", receiver_module.get_decoder)
    if not getattr(sender_module.get_encoder, "_majlis_counted", False):
        sender_module.get_encoder = _counting("encoder", sender_module.get_encoder)
    return _census


def _counting(name: str, build: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        _census[name] += 1
        return build(*args, **kwargs)

    counted._majlis_counted = True  # type: ignore[attr-defined]
    return counted
