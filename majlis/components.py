"""Each component built from the settings, one function each: the composition root
(``majlis.app``) and the CLI both build through these, so a process serving the app and a
one-off command see the same keys, timings and providers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.second_factor import SecondFactors
from accounts.service import SignInPolicy
from audit.log import AuditEntry, AuditLog, Checkpoint
from casework.outbox import SmsProvider, provider_for
from casework.pii import PiiCipher, load_pii_keys
from casework.retention import RetentionJob
from casework.tables import HELP_TEXT, OTP_SECRET
from casework.tracking import TrackingNumbers
from certs.secrets import load_or_create_secret
from certs.signing import load_signing_keys
from devices.help import HelpExchange, HelpReason, ReplyKind, empty_help_texts_before
from devices.service import DeviceService
from foundation.scope import CentreScope
from majlis.settings import Settings
from reception.log import empty_notes_before
from rooms.degraded import DegradedThresholds
from rooms.state import RoomTimings
from rooms.store import RoomStore
from rooms.tokens import Keyring
from safeguarding.alerts import empty_handling_notes_before
from signaling.help import HelpRoute

RETENTION_EVERY_S = 6 * 3600
HEARTBEATS_KEPT = timedelta(days=7)  # the day board needs minutes; a week helps support


def keys_dir(settings: Settings) -> Path:
    """Personal-data, index and tracking-number keys."""
    return settings.data_dir / "keys"


def audit_dir(settings: Settings) -> Path:
    """The audit checkpoint and the key that signs it."""
    return settings.data_dir / "audit"


def tracking_numbers(settings: Settings) -> TrackingNumbers:
    return TrackingNumbers(load_or_create_secret(keys_dir(settings) / "tracking.key"))


def pii_cipher(settings: Settings) -> PiiCipher:
    directory = keys_dir(settings)
    return PiiCipher(lambda: load_pii_keys(directory))


def sms_provider(settings: Settings) -> SmsProvider:
    return provider_for(
        settings.sms_provider,
        settings.sms_gateway_url,
        settings.sms_gateway_api_key,
        settings.sms_sender_id,
    )


def room_timings(settings: Settings) -> RoomTimings:
    return RoomTimings(
        open_before=timedelta(minutes=settings.room_open_before_min),
        extend_by=timedelta(minutes=settings.room_extend_min),
        max_extensions=settings.room_max_extensions,
        end_grace=timedelta(seconds=settings.room_end_grace_s),
        no_show_after=timedelta(minutes=settings.room_no_show_after_min),
        seat_grace=timedelta(seconds=settings.seat_grace_s),
    )


def degraded_thresholds(settings: Settings) -> DegradedThresholds:
    return DegradedThresholds(
        video_min_fps=settings.quality_video_min_fps,
        video_max_loss=settings.quality_video_max_loss,
        video_unusable_for_s=settings.quality_video_unusable_s,
        video_off_after_offer_s=settings.quality_video_off_after_s,
        audio_max_loss=settings.quality_audio_max_loss,
        audio_min_kbps=settings.quality_audio_min_kbps,
        audio_unusable_for_s=settings.quality_audio_unusable_s,
        failure_after_pause_s=settings.quality_failure_after_pause_s,
    )


def load_keyring(settings: Settings) -> Keyring:
    signing_key_id, keys = load_signing_keys(settings.certs_dir)
    return Keyring(signing_key_id, keys)


def sign_in_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        max_failures=settings.sign_in_max_failures,
        lockout=timedelta(minutes=settings.sign_in_lockout_min),
        idle=timedelta(minutes=settings.session_idle_min),
        absolute=timedelta(hours=settings.session_absolute_h),
    )


@dataclass(frozen=True)
class SealedOtpSecrets:
    """The personal-data cipher bound to the one column of TOTP secrets (``accounts`` sits
    below ``casework`` and sees only this ``Sealer``)."""

    cipher: PiiCipher

    def seal(self, value: str, row: int) -> str:
        return self.cipher.seal(value, OTP_SECRET, row)

    def unseal(self, stored: str, row: int) -> str:
        return self.cipher.unseal(stored, OTP_SECRET, row)


def second_factors(engine: AsyncEngine, cipher: PiiCipher, policy: SignInPolicy) -> SecondFactors:
    return SecondFactors(engine, SealedOtpSecrets(cipher), policy.otp_enrollment)


def audit_log(settings: Settings, engine: AsyncEngine) -> AuditLog:
    return AuditLog(engine, Checkpoint(audit_dir(settings)))


def retention_job(settings: Settings, engine: AsyncEngine, audit: AuditLog) -> RetentionJob:
    """Requests past retention lose their personal data, visits and calls their notes, help
    answers their texts;
    week-old heartbeats and expired token ids go too."""
    devices = DeviceService(engine)

    async def cipher() -> PiiCipher:
        return await asyncio.to_thread(pii_cipher, settings)

    return RetentionJob(
        engine,
        cipher,
        settings.retention_days,
        audit,
        {
            "heartbeats_deleted": lambda now: devices.delete_heartbeats_before(
                now - HEARTBEATS_KEPT
            ),
            "used_tokens_deleted": RoomStore(engine).forget_expired_tokens,
            # Visits' and calls' notes: their counts and durations stay for the figures.
            "reception_notes_emptied": lambda now: empty_notes_before(
                engine, now - timedelta(days=settings.retention_days)
            ),
            # Coordinators' answers to a booth's help: the kinds stay, the texts go.
            "help_texts_emptied": lambda now: empty_help_texts_before(
                engine, now - timedelta(days=settings.retention_days)
            ),
            # How a safeguarding alert was handled: the alert and its count stay, the note goes.
            "safeguarding_notes_emptied": lambda now: empty_handling_notes_before(
                engine, now - timedelta(days=settings.retention_days)
            ),
        },
    )


@dataclass(frozen=True)
class SealedHelpTexts:
    """The personal-data cipher bound to the column of help answers' texts (``devices`` sits
    below ``casework`` and sees only this ``Sealer``)."""

    cipher: PiiCipher

    def seal(self, value: str, row: int) -> str:
        return self.cipher.seal(value, HELP_TEXT, row)


@dataclass(frozen=True)
class AuditedHelp:
    """``signaling.help.HelpPort`` over ``devices.help``: an answer is audited by its kind
    (never its text)."""

    exchange: HelpExchange
    audit: AuditLog

    async def ask(self, device: str, room: str | None, reason: str, now: datetime) -> int:
        return await self.exchange.ask(device, room, HelpReason(reason), now)

    async def answer(
        self,
        alert_id: int,
        kind: str,
        text: str,
        author: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> HelpRoute:
        answered = await self.exchange.answer(
            alert_id, ReplyKind(kind), text, author, now, scope=scope
        )
        await self.audit.record(AuditEntry(author, "help.answered", f"alert:{alert_id}", kind), now)
        return HelpRoute(answered.device, answered.room)
