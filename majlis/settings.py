"""Typed settings for the whole platform, read from ``MAJLIS_*`` variables and a TOML file.

The settings object is built once by the CLI (or a test) and passed down explicitly; no module
keeps a global copy. Every field here is documented in ``docs/CONFIGURATION.md``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_VARIABLE = "MAJLIS_CONFIG"


class SettingsError(Exception):
    """A setting has a value Majlis cannot use; the message is one line for the operator."""


class Settings(BaseSettings):
    """Every tunable of Majlis with its default (see docs/CONFIGURATION.md)."""

    model_config = SettingsConfigDict(
        env_prefix="MAJLIS_",
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    host: str = Field(default="127.0.0.1", description="Address the HTTPS server binds to.")
    port: int = Field(default=8443, ge=1, le=65535, description="HTTPS port.")
    redirect_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Optional plain-HTTP listener that only redirects to HTTPS.",
    )
    public_host: str | None = Field(
        default=None, description="Host name printed in URLs and redirects (default: host)."
    )
    data_dir: Path = Field(default=Path("data"), description="Directory for database, certs.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default is a SQLite file in the data directory.",
    )
    tls_hostnames: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra DNS names or IP addresses for the generated server certificate.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra browser origins allowed to open Socket.IO (beside the server's own).",
    )
    tls_cert_file: Path | None = Field(
        default=None, description="Operator-supplied server certificate chain (PEM)."
    )
    tls_key_file: Path | None = Field(
        default=None, description="Operator-supplied private key (PEM) for tls_cert_file."
    )
    cert_renew_days: int = Field(
        default=30, ge=1, description="Renew the generated server certificate this early."
    )
    web_client_dir: Path | None = Field(
        default=None, description="Directory of the browser apps (default: the source tree's)."
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop",
        description="Event loop implementation (uvloop measured ~15 % less media CPU).",
    )
    log_json: bool = Field(default=False, description="Write logs as one JSON object a line.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level of log records written."
    )
    e2ee_required: bool = Field(
        default=True,
        description="Audiences are end-to-end encrypted: a booth or office whose browser "
        "cannot encrypt frames is refused (0: let it in, in clear, for a transition period).",
    )
    dev: bool = Field(
        default=False,
        description="Development mode: the HTTP API also takes the signed dev terminal tokens "
        "of `majlis demo room` (never in production).",
    )
    dev_capture_video: bool = Field(
        default=False,
        description="Development only (needs MAJLIS_DEV): the booth video the server forwards "
        "in each audience is written to <data dir>/capture/<room>.ivf (tests of encryption).",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        description="Bearer secret a Prometheus scraper sends for /metrics (unset: no /metrics).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest HTTP request body accepted."
    )
    socketio_max_message_bytes: int = Field(
        default=65_536, ge=1024, description="Largest Socket.IO message accepted."
    )
    socketio_connects_per_minute: int = Field(
        default=120,
        ge=1,
        description="Socket.IO connects allowed per client address and per device.",
    )
    socketio_events_per_minute: int = Field(
        default=3000, ge=1, description="Socket.IO events allowed per device."
    )
    hsts_max_age_s: int = Field(
        default=31_536_000, ge=0, description="Strict-Transport-Security max-age in seconds."
    )
    media_host_addresses: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="The only addresses the media server offers as ICE host candidates.",
    )
    turn_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="TURN server URLs handed to booth and office (comma-separated); none: off.",
    )
    turn_shared_secret: str | None = Field(
        default=None, description="coturn static-auth-secret for ephemeral TURN credentials."
    )
    room_open_before_min: float = Field(
        default=10, gt=0, description="A room opens this many minutes before its slot."
    )
    room_extend_min: float = Field(default=2, gt=0, description="One extension's length.")
    room_max_extensions: int = Field(default=3, ge=0, description="Extensions per audience.")
    room_end_grace_s: float = Field(
        default=60, ge=0, description="An audience not ended by the office ends this late."
    )
    room_no_show_after_min: float = Field(
        default=5, gt=0, description="A booth not ready this long after the start: no-show."
    )
    seat_grace_s: float = Field(
        default=180,
        gt=0,
        description="A lost booth/office seat is held this long (a reload at a human pace), "
        "then the room is aborted.",
    )
    quality_interval_s: float = Field(
        default=1.0, gt=0, le=10, description="How often each live room's quality is sampled."
    )
    quality_video_min_fps: float = Field(
        default=10.0, ge=0, description="Booth video below this frame rate is unusable."
    )
    quality_video_max_loss: float = Field(
        default=0.10, ge=0, le=1, description="Booth video losing more than this is unusable."
    )
    quality_video_unusable_s: float = Field(
        default=10.0, gt=0, description="Unusable video this long: voice only is offered."
    )
    quality_video_off_after_s: float = Field(
        default=10.0, gt=0, description="Then this long: the booth's video is switched off."
    )
    quality_audio_max_loss: float = Field(
        default=0.20, ge=0, le=1, description="Audio losing more than this is unusable."
    )
    quality_audio_min_kbps: float = Field(
        default=6.0, ge=0, description="Audio arriving below this bitrate is unusable."
    )
    quality_audio_unusable_s: float = Field(
        default=20.0, gt=0, description="Unusable audio this long: automatic technical pause."
    )
    quality_failure_after_pause_s: float = Field(
        default=10.0,
        gt=0,
        description="That pause not recovered this long: the audience ends as technical_failure.",
    )
    sms_provider: Literal["console", "http"] = Field(
        default="console", description="console: log + outbox table; http: a JSON SMS gateway."
    )
    sms_gateway_url: str | None = Field(default=None, description="URL of the JSON SMS gateway.")
    sms_gateway_api_key: str | None = Field(
        default=None, description="Bearer API key of the SMS gateway (keep it secret)."
    )
    sms_sender_id: str = Field(default="Majlis", max_length=11, description="SMS sender id.")
    sms_dispatch_s: float = Field(
        default=2.0, gt=0, description="How often the SMS outbox is sent."
    )
    sign_in_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins of one account from one address before it is refused.",
    )
    sign_in_lockout_min: float = Field(
        default=15,
        gt=0,
        description="The first refusal's length; each further failure doubles it (at most 24 h).",
    )
    session_idle_min: float = Field(default=30, gt=0, description="Staff session idle timeout.")
    session_absolute_h: float = Field(
        default=12, gt=0, description="Staff session absolute timeout."
    )
    retention_days: int = Field(
        default=365,
        ge=1,
        description="Requests closed this many days ago lose their personal data.",
    )
    safeguarding_undo_s: float = Field(
        default=8,
        gt=0,
        le=60,
        description="How long the booth may take back a mistaken safeguarding press.",
    )
    slot_minutes: float = Field(default=6, gt=0, description="Length of an audience slot.")
    slot_buffer_minutes: float = Field(
        default=2, ge=0, description="Gap between two slots of a sitting."
    )
    scheduler_tick_s: float = Field(
        default=30.0, gt=0, description="How often the scheduler's clock runs."
    )
    referral_reminder_s: float = Field(
        default=900.0,
        gt=0,
        description="How often overdue referrals are checked (each is raised once a day).",
    )
    room_discover_s: float = Field(
        default=5.0, gt=0, description="How often rooms scheduled by other processes are loaded."
    )
    room_tick_s: float = Field(
        default=1.0, gt=0, le=10, description="How often the room clock applies timed events."
    )

    @field_validator(
        "tls_hostnames",
        "media_host_addresses",
        "turn_urls",
        "allowed_origins",
        mode="before",
    )
    @classmethod
    def _split_hostnames(cls, value: Any) -> Any:
        # Environment variables carry lists as "a.example,b.example".
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _capture_only_in_development(self) -> Settings:
        if self.dev_capture_video and not self.dev:
            raise ValueError("MAJLIS_DEV_CAPTURE_VIDEO needs MAJLIS_DEV (development only)")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_VARIABLE)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    # -- derived values -------------------------------------------------------------------

    @property
    def certs_dir(self) -> Path:
        return self.data_dir / "certs"

    @property
    def effective_web_client_dir(self) -> Path:
        return self.web_client_dir or Path(__file__).resolve().parents[1] / "web_client"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'majlis.db').resolve()}"

    @property
    def url_host(self) -> str:
        host = self.public_host or self.host
        if host in ("0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
            host = "localhost"
        return f"[{host}]" if ":" in host else host

    @property
    def base_url(self) -> str:
        return f"https://{self.url_host}:{self.port}"

    @property
    def origins(self) -> list[str]:
        """Browser origins that may open Socket.IO: the server's own names, and any extra."""
        own = {self.base_url, f"https://localhost:{self.port}", f"https://127.0.0.1:{self.port}"}
        return sorted(own | set(self.allowed_origins))


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation problems into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
    except (OSError, tomllib.TOMLDecodeError) as error:  # unreadable or malformed TOML file
        raise SettingsError(f"cannot read the {CONFIG_FILE_VARIABLE} file: {error}") from None
    except ValueError as error:  # pydantic-settings' own SettingsError, e.g. undecodable env
        raise SettingsError(f"invalid setting: {error}") from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        variable = f"MAJLIS_{name.upper()}"
        shown = repr(item.get("input")) if item["type"] != "extra_forbidden" else ""
        problems.append(f"{variable}={shown}: {item['msg']}" if shown else f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(problems)
