"""Browser tests: the real server (``majlis serve`` in its own process, TLS, SQLite file) and
Debian's Chromium driven by Playwright, with a fake camera that shows a moving face (so the
server's preflight passes) and a fake microphone."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.cookiejar
import json
import re
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from foundation.clock import SERVICE_ZONE, service_day_start
from majlis.demo import DEMO_OTP_SECRETS
from majlis.settings import load_settings
from tests.conftest import face_picture, free_port
from tests.e2e.test_cli import MAJLIS, environment, run, wait_for_health

CHROMIUM = "/usr/bin/chromium"
SCREEN = {"width": 1280, "height": 800}

# The tests book sittings a few minutes around now, as a coordinator books them: a sitting lies
# in one of the centres' days (its end after its start on that day), and the office admits only
# today's rooms. Around midnight in Riyadh (from 23:40 to 00:06) a test's sitting would cross
# it, so a test does not start then: it waits for 00:06, at most 26 minutes once in a run.
MIDNIGHT_BEFORE = timedelta(minutes=20)
MIDNIGHT_AFTER = timedelta(minutes=6)


def midnight_wait(now: datetime) -> float:
    """Seconds to wait at ``now`` before a test may start (0 outside the window)."""
    midnight = service_day_start(now + MIDNIGHT_BEFORE)
    if midnight - MIDNIGHT_BEFORE <= now < midnight + MIDNIGHT_AFTER:
        return (midnight + MIDNIGHT_AFTER - now).total_seconds()
    return 0.0


def _wait_out_midnight() -> None:
    now = datetime.now(SERVICE_ZONE)
    wait = midnight_wait(now)
    if wait:
        print(f"\n[browser tests] {now:%H:%M} in Riyadh: waiting {wait:.0f} s for 00:06")
        time.sleep(wait)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Before pytest-timeout starts a test's clock: out of the midnight window."""
    _wait_out_midnight()
    yield


@pytest.fixture(autouse=True)
def _fail_on_blocked_event_loop() -> None:
    """Browser tests run no event loop of their own (Playwright's sync API drives its own);
    the server they test runs in another process."""


@dataclass
class Server:
    base_url: str
    data_dir: Path
    ca_file: Path
    passwords: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]
    hop: Forwarder
    env: dict[str, str] = field(default_factory=dict)
    init_output: str = ""  # what `majlis init` printed
    last_steps: dict[str, int] = field(default_factory=dict)

    def client(self) -> ApiClient:
        return ApiClient(self)

    def next_code(self, username: str) -> str:
        """The demo admin's or supervisor's code as her authenticator shows it; a code is
        accepted once, so a later one than the last used (waiting for it if need be). The
        current step's code, not the one before: that one may expire before the browser,
        slowed by a loaded machine, sends it."""
        totp = pyotp.TOTP(DEMO_OTP_SECRETS[username])
        step = max(totp.timecode(time.time()), self.last_steps.get(username, 0) + 1)
        while step > totp.timecode(time.time()) + 1:
            time.sleep(1)
        self.last_steps[username] = step
        return totp.generate_otp(step)


class ApiClient:
    """A staff member's HTTP session from Python (set-up steps that are not under test)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.csrf = ""
        context = ssl.create_default_context(cafile=str(server.ca_file))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.server.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def sign_in(self, username: str) -> ApiClient:
        body = {"username": username, "password": self.server.passwords[username]}
        if username in DEMO_OTP_SECRETS:
            body["otp"] = self.server.next_code(username)
        status, body = self.call("POST", "/api/session", body)
        assert status == 200, body
        self.csrf = body["csrf_token"]
        return self

    def add_booth(self, centre: str, label: str) -> str:
        """A new booth of ``centre``; its device name."""
        body = {"kind": "booth", "centre": centre, "label": label}
        status, body = self.call("POST", "/api/devices", body)
        assert status == 201, body
        return str(body["name"])

    def enrollment_code(self, device: str) -> str:
        status, body = self.call("GET", "/api/devices")
        assert status == 200, body
        device_id = next(d["id"] for d in body["devices"] if d["name"] == device)
        status, body = self.call("POST", f"/api/devices/{device_id}/enrollment")
        assert status == 201, body
        return str(body["code"])


def face_video_file(path: Path) -> Path:
    """A Y4M clip of a moving face for Chromium's fake camera (it loops the file)."""
    face = cv2.resize(face_picture(), (640, 480))
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for i in range(60):
            shift = int(12 * np.sin(i / 60 * 2 * np.pi))  # sways and comes back: a smooth loop
            frame = np.roll(face, shift, axis=1)
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def spki_hash(pem_file: Path) -> str:
    certificate = x509.load_pem_x509_certificate(pem_file.read_bytes())
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@contextlib.contextmanager
def served(root: Path, init: list[str], **settings_env: str) -> Iterator[Server]:
    """``majlis init`` with ``init``'s arguments in a new data directory, then ``majlis
    serve`` in its own process until the block ends, with ``settings_env`` (``MAJLIS_*``
    variables) beside the tests' own; what init printed is kept."""
    data_dir, port = root / "data", free_port()
    hop = Forwarder(port)  # a second way in, which the reconnect test cuts
    env = environment(
        data_dir,
        port,
        MAJLIS_ALLOWED_ORIGINS=f"https://127.0.0.1:{hop.port}",
        MAJLIS_SLOT_MINUTES="2",
        MAJLIS_SLOT_BUFFER_MINUTES="0",
        MAJLIS_SCHEDULER_TICK_S="1",
        MAJLIS_SMS_DISPATCH_S="1",
        **settings_env,
    )
    initialised = run(init, env)
    assert initialised.returncode == 0, initialised.stderr
    passwords = dict(re.findall(r"^\s+\w+\s+(\w+)\s+(\S+)$", initialised.stdout, flags=re.M))
    settings = load_settings(data_dir=data_dir, port=port)
    log = root / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen([*MAJLIS, "serve"], env=env, stdout=output, stderr=output)
    try:
        wait_for_health(f"{settings.base_url}/healthz", settings.certs_dir / "ca.pem")
        yield Server(
            settings.base_url,
            data_dir,
            settings.certs_dir / "ca.pem",
            passwords,
            log,
            process,
            hop,
            env,
            init_output=initialised.stdout,
        )
    finally:
        hop.close()
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("browser"), ["init", "--demo"]) as demo:
        yield demo


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(
    playwright: Playwright, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    video = face_video_file(tmp_path_factory.mktemp("camera") / "face.y4m")
    certs = server.data_dir / "certs"
    trusted = ",".join(spki_hash(certs / name) for name in ("ca.pem", "server.pem"))
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-device-for-media-stream=fps=30",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            "--autoplay-policy=no-user-gesture-required",
            f"--ignore-certificate-errors-spki-list={trusted}",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-gpu",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_page(
    browser: Browser, contexts: list[BrowserContext], server: Server, base_url: str = ""
) -> Page:
    context = browser.new_context(
        base_url=base_url or server.base_url, viewport=SCREEN, locale="ar-SA"
    )
    context.grant_permissions(["camera", "microphone"])
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    # Shown by pytest when a test fails: what the page itself said.
    page.on("console", lambda m: print(f"[{page.url}] console.{m.type}: {m.text}"))
    page.on("pageerror", lambda e: print(f"[{page.url}] page error: {e}"))
    return page


def sign_in(page: Page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")


def enroll(page: Page, code: str) -> None:
    page.fill("#enroll-code", code)
    page.click("#enroll-form button[type=submit]")


class Forwarder:
    """A TCP hop between one browser context and the server that the test can cut: every
    open connection is closed and new ones are refused until it is restored — a network
    drop for that client only (Chromium's offline emulation leaves WebSockets open)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            with self.lock:
                self.open.difference_update((source, sink))

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            for connection in self.open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self.open.clear()

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()
