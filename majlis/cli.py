"""The ``majlis`` command: serve, init, db upgrade, certs init, … (staff accounts in
``majlis.cli_staff``; backup, restore and the keys in ``majlis.cli_backup``).

Every failure an operator can cause (a bad setting, an unmigrated database, unusable TLS files)
ends with one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.log import AuditEntry
from casework.outbox import Dispatcher
from certs.authority import CertificateReport, ensure_certificates
from certs.tls import TlsConfigurationError
from foundation.clock import SystemClock
from majlis.cli_backup import COMMANDS as BACKUP_COMMANDS
from majlis.cli_backup import add_backup_commands, run_backup_command
from majlis.cli_staff import FIRST_ADMIN, add_staff_commands, create_first_admin, run_staff
from majlis.components import (
    audit_log,
    load_keyring,
    pii_cipher,
    retention_job,
    room_timings,
    second_factors,
    sign_in_policy,
    sms_provider,
)
from majlis.database import DatabaseNotMigrated, create_engine
from majlis.demo import DEMO_BOOTH_DEVICE, DEMO_OFFICE_DEVICE, schedule_demo_room, seed_demo
from majlis.logs import configure_logging
from majlis.migrate import require_migrated, upgrade_to_head
from majlis.serve import app_urls, serve
from majlis.settings import Settings, SettingsError, load_settings
from rooms.service import DetachedMedia, RoomService

if TYPE_CHECKING:
    from scheduler.bench import DeskBench
from rooms.store import RoomStore

EXIT_FAILURE = 1
EXIT_BAD_SETTINGS = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="majlis",
        description="Majlis: secure video audiences between women's centres and the minister.",
        epilog="Settings come from MAJLIS_* environment variables and the MAJLIS_CONFIG file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the HTTPS server (default 127.0.0.1:8443)")
    init = commands.add_parser("init", help="migrate the database and create certificates")
    init.add_argument("--demo", action="store_true", help="also create demo centres and accounts")
    init.add_argument(
        "--admin",
        default=FIRST_ADMIN,
        metavar="USERNAME",
        help=f"first administrator, made unless staff exist (default {FIRST_ADMIN}; not --demo)",
    )
    _single_action(commands, "db", "database schema", "upgrade", "apply pending migrations")
    bench = commands.add_parser("bench", help="benchmarks that print numbers")
    benches = bench.add_subparsers(dest="bench_command", required=True)
    desk = benches.add_parser("desk", help="queue and status lookup on a seeded database")
    desk.add_argument("--requests", type=int, default=100_000)
    desk.add_argument("--appointments", type=int, default=10_000)
    desk.add_argument("--calls", type=int, default=200, help="timed calls of each kind")
    desk.add_argument("--json", action="store_true", help="end with one JSON line")
    media = benches.add_parser("media", help="simulated audiences against a media server process")
    media.add_argument("--audiences", type=int, default=4, help="audiences at once")
    media.add_argument("--seconds", type=float, default=10.0, help="measuring window")
    media.add_argument(
        "--mode", choices=["passthrough", "frame", "relay", "compare"], default="compare"
    )
    media.add_argument("--loop", choices=["uvloop", "asyncio"], default=None)
    media.add_argument(
        "--e2ee",
        action="store_true",
        help="the clients seal every frame end to end as the browsers do (compare: passthrough "
        "in clear and sealed, the relay in clear)",
    )
    media.add_argument("--json", action="store_true", help="end with one JSON line")
    impaired = media.add_argument_group(
        "impaired network",
        "any of these runs one audience with the booth behind a UDP impairment proxy (both "
        "directions) and prints frame rate, freezes, blackout recovery and the sender's bitrate",
    )
    impaired.add_argument("--loss", type=float, metavar="PERCENT", help="datagrams dropped")
    impaired.add_argument("--delay", type=float, metavar="MS", help="added one-way delay")
    impaired.add_argument("--jitter", type=float, metavar="MS", help="delay varies by ± this")
    impaired.add_argument("--cap-kbps", type=float, metavar="KBPS", help="bitrate cap")
    impaired.add_argument("--blackout", type=float, metavar="S", help="nothing passes for S s")
    impaired.add_argument(
        "--silence-timeout",
        type=float,
        metavar="S",
        help="the media server drops a silent leg after this (default: the server's)",
    )
    browser = benches.add_parser(
        "browser",
        help="a headless Chromium booth behind a capped uplink: does its encoder follow REMB?",
    )
    browser.add_argument("--cap-kbps", type=float, default=500.0, help="the booth's uplink cap")
    browser.add_argument("--warmup", type=float, default=40.0, help="seconds uncapped first")
    browser.add_argument("--seconds", type=float, default=30.0, help="seconds capped")
    browser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser to run")
    browser.add_argument("--json", action="store_true", help="end with one JSON line")
    demo = commands.add_parser("demo", help="demo helpers for the embedded set-up")
    room = demo.add_subparsers(dest="demo_command", required=True).add_parser(
        "room", help="schedule an audience room now and print its dev sign-in tokens"
    )
    room.add_argument("--in-minutes", type=float, default=1.0, help="slot starts this soon")
    room.add_argument("--booth", default=DEMO_BOOTH_DEVICE, help="booth device seated in it")
    room.add_argument("--json", action="store_true", help="print one JSON object")
    _single_action(
        commands,
        "audit",
        "the hash-chained audit log",
        "verify",
        "check the whole chain and the signed checkpoint; name the first bad row",
    )
    _single_action(
        commands,
        "retention",
        "personal data past its retention",
        "run",
        "anonymise requests closed more than MAJLIS_RETENTION_DAYS ago",
    )
    add_backup_commands(commands)
    devices = commands.add_parser("devices", help="booth and office-terminal devices")
    enroll = devices.add_subparsers(dest="devices_command", required=True).add_parser(
        "enroll", help="print a one-time enrollment code for a device (valid 15 minutes)"
    )
    enroll.add_argument("device", help="device name: riyadh/booth-1, office-1, …")
    add_staff_commands(commands)
    _single_action(
        commands,
        "sms",
        "the SMS outbox",
        "send-due",
        "send every pending SMS that is due, once, and exit",
    )
    _single_action(
        commands,
        "certs",
        "TLS certificates",
        "init",
        "create (or renew) the local CA and server certificate",
    )
    return parser


def _single_action(commands: Any, name: str, help_text: str, action: str, action_help: str) -> None:
    """``majlis <name> <action>``: a command group with one action (so far)."""
    group = commands.add_parser(name, help=help_text)
    group.add_subparsers(dest=f"{name}_command", required=True).add_parser(action, help=action_help)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    configure_logging(settings.log_json, settings.log_level)
    try:
        if arguments.command == "serve":
            run_on_loop(serve(settings), settings.event_loop)
        elif arguments.command == "init":
            asyncio.run(_init(settings, demo=arguments.demo, admin=arguments.admin))
        elif arguments.command == "db":
            asyncio.run(_db_upgrade(settings))
        elif arguments.command == "bench" and arguments.bench_command == "desk":
            _bench_desk(arguments)
        elif arguments.command == "bench" and arguments.bench_command == "browser":
            _bench_browser(arguments)
        elif arguments.command == "bench":
            _bench_media(arguments, arguments.loop or settings.event_loop)
        elif arguments.command == "audit":
            return asyncio.run(_audit_verify(settings))
        elif arguments.command == "retention":
            asyncio.run(_retention_run(settings))
        elif arguments.command == "keys" and arguments.keys_command == "rotate":
            asyncio.run(_rotate_keys(settings))
        elif arguments.command in BACKUP_COMMANDS:
            return run_backup_command(settings, arguments)
        elif arguments.command == "devices":
            return asyncio.run(_devices_enroll(settings, arguments.device))
        elif arguments.command == "staff":
            return asyncio.run(_staff(settings, arguments))
        elif arguments.command == "sms":
            asyncio.run(_sms_send_due(settings))
        elif arguments.command == "demo":
            asyncio.run(_demo_room(settings, arguments))
        elif arguments.command == "certs":
            _print_certificate_report(_certs_init(settings))
    except (DatabaseNotMigrated, TlsConfigurationError) as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except SQLAlchemyError as error:
        print(f"majlis: database error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except ValueError as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    except KeyboardInterrupt:
        return 130
    return 0


def run_on_loop(coroutine: Coroutine[Any, Any, None], event_loop: str) -> None:
    if event_loop == "uvloop":
        import uvloop

        uvloop.run(coroutine)
    else:
        asyncio.run(coroutine)


def _bench_desk(arguments: argparse.Namespace) -> None:
    if not 1 <= arguments.appointments <= arguments.requests or arguments.calls < 1:
        raise ValueError("need 1 <= --appointments <= --requests and --calls >= 1")
    result = asyncio.run(
        _bench_desk_on_fresh_database(arguments.requests, arguments.appointments, arguments.calls)
    )
    for name, figures in (("day_queue", result.day_queue), ("status_lookup", result.status_lookup)):
        print(
            f"{name:>13}: p50 {figures.p50_ms} ms, p95 {figures.p95_ms} ms, "
            f"max {figures.max_ms} ms ({result.requests} requests, "
            f"{result.appointments} appointments, seeded in {result.seed_s} s)"
        )
    if arguments.json:
        print(json.dumps(dataclasses.asdict(result)))


async def _bench_desk_on_fresh_database(
    n_requests: int, n_appointments: int, calls: int
) -> DeskBench:
    from scheduler.bench import bench_desk

    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")
        try:
            await upgrade_to_head(engine)
            return await bench_desk(engine, n_requests, n_appointments, calls)
        finally:
            await engine.dispose()


def _bench_media(arguments: argparse.Namespace, event_loop: str) -> None:
    from media.bench.run import bench_media

    impairments = ("loss", "delay", "jitter", "cap_kbps", "blackout", "silence_timeout")
    if any(getattr(arguments, name) is not None for name in impairments):
        _bench_media_impaired(arguments)
        return
    if arguments.audiences < 1 or arguments.seconds <= 0:
        raise ValueError("--audiences and --seconds must be positive")
    summary = bench_media(
        arguments.mode, arguments.audiences, arguments.seconds, event_loop, arguments.e2ee
    )
    if arguments.json:
        print(json.dumps(summary))


def _bench_media_impaired(arguments: argparse.Namespace) -> None:
    from media.bench.impaired import ImpairedPlan, bench_impaired, report

    logging.getLogger("aioice").setLevel(logging.WARNING)  # every ICE check, otherwise
    plan = ImpairedPlan(
        loss=(arguments.loss or 0.0) / 100,
        delay_ms=arguments.delay or 0.0,
        jitter_ms=arguments.jitter or 0.0,
        cap_kbps=arguments.cap_kbps or 0.0,
        blackout_s=arguments.blackout or 0.0,
        seconds=arguments.seconds,
        **({"silence_timeout_s": arguments.silence_timeout} if arguments.silence_timeout else {}),
    )
    result = asyncio.run(bench_impaired(plan))
    report(result)
    if arguments.json:
        print(json.dumps(result))


def _bench_browser(arguments: argparse.Namespace) -> None:
    from media.bench.browser import BrowserPlan, bench_browser, report

    logging.getLogger("aioice").setLevel(logging.WARNING)  # every ICE check, otherwise
    plan = BrowserPlan(arguments.cap_kbps, arguments.warmup, arguments.seconds, arguments.chromium)
    result = asyncio.run(bench_browser(plan))
    report(result)
    if arguments.json:
        print(json.dumps(result))


async def _db_upgrade(settings: Settings) -> None:
    async with _database(settings, migrated=False) as engine:
        await upgrade_to_head(engine)
    print("database schema is up to date")


async def _init(settings: Settings, demo: bool, admin: str) -> None:
    await _db_upgrade(settings)
    _print_certificate_report(_certs_init(settings))
    if not demo:
        async with _database(settings) as engine:
            await create_first_admin(settings, engine, admin)
        return
    async with _database(settings) as engine:
        cipher = await asyncio.to_thread(pii_cipher, settings)
        factors = second_factors(engine, cipher, sign_in_policy(settings))
        sign_ins = await seed_demo(engine, datetime.now(UTC), factors)
    if sign_ins is None:
        print("demo data already present (sign-ins were shown when it was created)")
        return
    print("demo data created. Sign-ins (shown only this once):")
    for sign_in in sign_ins:
        print(f"  {sign_in.role:<12} {sign_in.username:<14} {sign_in.password}")
    print("  authenticator keys (TOTP, demo only; `majlis staff reset-otp USER` replaces one):")
    for sign_in in sign_ins:
        if sign_in.otp_secret:
            print(f"    {sign_in.username}: {sign_in.otp_secret}")
    for name, url in app_urls(settings).items():
        print(f"  {name:>7}: {url}")
    print("  enroll a booth or the office terminal: majlis devices enroll riyadh/booth-1")
    print("  an audience room with dev sign-in tokens: majlis demo room")


async def _audit_verify(settings: Settings) -> int:
    from audit.log import describe, verify

    async with _database(settings) as engine:
        log = audit_log(settings, engine)
        try:
            verdict = await verify(engine, log.checkpoint)
        except ValueError as error:
            print(f"audit log NOT intact: {error}")
            return EXIT_FAILURE
    if verdict.ok:
        print(f"audit log intact: {verdict.rows} rows")
        return 0
    print(f"audit log NOT intact at row {verdict.first_bad_seq}: {verdict.problem}")
    print(json.dumps(describe(verdict)))
    return EXIT_FAILURE


async def _devices_enroll(settings: Settings, name: str) -> int:
    from devices.errors import DeviceError
    from devices.service import DeviceService

    async with _database(settings) as engine:
        service = DeviceService(engine)
        try:
            device = await service.by_name(name)
            now = datetime.now(UTC)
            enrollment = await service.start_enrollment(device.id, now)
        except DeviceError:
            print(f"majlis: no device named {name!r}", file=sys.stderr)
            return EXIT_FAILURE
        entry = AuditEntry("cli", "device.enrollment", f"device:{device.name}")
        await audit_log(settings, engine).record(entry, now)
    print(f"enrollment code for {device.name}: {enrollment.code}")
    print(f"  enter it on the device's page before {enrollment.expires_at:%H:%M} UTC")
    return 0


async def _staff(settings: Settings, arguments: argparse.Namespace) -> int:
    async with _database(settings) as engine:
        return await run_staff(settings, engine, arguments)


async def _retention_run(settings: Settings) -> None:
    async with _database(settings) as engine:
        counts = await retention_job(settings, engine, audit_log(settings, engine)).run(
            datetime.now(UTC)
        )
    print(f"retention ({settings.retention_days} days): {counts}")


async def _rotate_keys(settings: Settings) -> None:
    from casework.pii import RELOAD_EVERY_S, add_data_key
    from casework.rekey import reencrypt_all
    from reception.tables import SEALED_ROWS
    from safeguarding.tables import SEALED_ROWS as SAFEGUARDING_ROWS

    async with _database(settings) as engine:
        cipher = await asyncio.to_thread(pii_cipher, settings)  # creates keys on first use
        old = cipher.current_key_id
        new = await asyncio.to_thread(add_data_key, settings.data_dir / "keys")
        # Running servers reload their keys this often: after it, nothing new is written
        # under the old key, so one more pass leaves no row behind.
        await asyncio.sleep(RELOAD_EVERY_S + 0.5)
        cipher = await asyncio.to_thread(pii_cipher, settings)
        first = await reencrypt_all(engine, cipher, (*SEALED_ROWS, *SAFEGUARDING_ROWS))
        second = await reencrypt_all(engine, cipher, (*SEALED_ROWS, *SAFEGUARDING_ROWS))
        await audit_log(settings, engine).record(
            AuditEntry("operator", "keys.rotate", f"data-key:{new}", f"from {old}"),
            datetime.now(UTC),
        )
    total = {table: first[table] + second[table] for table in first}
    print(f"data key {old} -> {new}; re-encrypted rows: {total}")
    print(
        f"keep {settings.data_dir / 'keys' / f'data-{old}.key'} until no backup needs it, "
        "then delete it; export the keys again now: majlis keys export FILE"
    )


async def _sms_send_due(settings: Settings) -> None:
    async with _database(settings) as engine:
        cipher = await asyncio.to_thread(pii_cipher, settings)
        dispatcher = Dispatcher(engine, sms_provider(settings), cipher)
        sent = await dispatcher.send_due(datetime.now(UTC))
    print(f"{sent} SMS sent")


async def _demo_room(settings: Settings, arguments: argparse.Namespace) -> None:
    if not 0 <= arguments.in_minutes <= 24 * 60:
        raise ValueError("--in-minutes must be between 0 and 1440")
    async with _database(settings) as engine:
        rooms = RoomService(
            RoomStore(engine),
            DetachedMedia(),
            await asyncio.to_thread(load_keyring, settings),
            SystemClock(),
            room_timings(settings),
        )
        room = await schedule_demo_room(
            rooms, datetime.now(UTC), timedelta(minutes=arguments.in_minutes), arguments.booth
        )
    if arguments.json:
        print(
            json.dumps(
                {
                    "room": room.room_id,
                    "starts_at": room.starts_at.isoformat(),
                    "tokens": room.tokens,
                }
            )
        )
        return
    print(
        f"room {room.room_id}: {room.starts_at:%H:%M}–{room.ends_at:%H:%M} UTC, "
        f"booth {arguments.booth}, office {DEMO_OFFICE_DEVICE}"
    )
    print('dev sign-in tokens (Socket.IO auth {"token": ...}; valid only in the room\'s window):')
    for role, token in room.tokens.items():
        print(f"  {role:>6}: {token}")


@asynccontextmanager
async def _database(settings: Settings, migrated: bool = True) -> AsyncIterator[AsyncEngine]:
    """The configured database for one command: checked to be at the migrations' head (unless
    the command is the one that migrates it) and disposed of however the command ends."""
    engine = create_engine(settings.effective_database_url)
    try:
        if migrated:
            await require_migrated(engine)
        yield engine
    finally:
        await engine.dispose()


def _certs_init(settings: Settings) -> CertificateReport:
    return ensure_certificates(
        settings.certs_dir,
        now=datetime.now(UTC),
        hostnames=tuple(settings.tls_hostnames),
        renew_within=timedelta(days=settings.cert_renew_days),
    )


def _print_certificate_report(report: CertificateReport) -> None:
    ca = report.files.ca_cert
    print(f"certificate authority: {ca} ({'created' if report.ca_created else 'kept'})")
    valid_until = f"{report.server_not_after:%Y-%m-%d}"
    print(f"server certificate: {report.server_action}, valid until {valid_until}")
    print(f"CA SHA-256 fingerprint: {report.ca_fingerprint_sha256}")
    print(
        "To trust it: import the CA file into the browser or system store "
        f"(Debian: cp {ca} /usr/local/share/ca-certificates/majlis.crt && update-ca-certificates), "
        f"or use `curl --cacert {ca}`. Compare the fingerprint above before trusting it."
    )


if __name__ == "__main__":
    sys.exit(main())
