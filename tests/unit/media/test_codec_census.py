"""The codec census counts what aiortc builds while it is open, and patches nothing after."""

from __future__ import annotations

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from media.codec_census import CodecCensus

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90_000, payloadType=96)


def test_a_census_counts_decoders_and_encoders_built_while_it_is_open() -> None:
    census = CodecCensus()
    try:
        aiortc.rtcrtpreceiver.get_decoder(VP8)
        aiortc.rtcrtpsender.get_encoder(VP8)
        aiortc.rtcrtpsender.get_encoder(VP8)
        assert (census.decoders, census.encoders) == (1, 2)
    finally:
        census.close()


def test_closing_the_last_census_gives_aiortc_its_own_factories_back() -> None:
    build_decoder = aiortc.rtcrtpreceiver.get_decoder
    build_encoder = aiortc.rtcrtpsender.get_encoder
    first, second = CodecCensus(), CodecCensus()
    first.close()
    aiortc.rtcrtpreceiver.get_decoder(VP8)
    assert (first.decoders, second.decoders) == (0, 1)
    second.close()
    assert aiortc.rtcrtpreceiver.get_decoder is build_decoder
    assert aiortc.rtcrtpsender.get_encoder is build_encoder
