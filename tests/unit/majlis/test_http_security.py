"""The content security policy lets the apps talk to their own origin only."""

from __future__ import annotations

from majlis.http_security import CONTENT_SECURITY_POLICY


def directives() -> dict[str, list[str]]:
    parsed = (d.split() for d in CONTENT_SECURITY_POLICY.split(";"))
    return {name: sources for name, *sources in parsed}


def test_scripts_may_connect_to_their_own_origin_only() -> None:
    # 'self' includes wss:// to the same host; a bare wss: would allow every host.
    assert directives()["connect-src"] == ["'self'"]


def test_no_directive_allows_a_whole_scheme_or_any_host() -> None:
    for name, sources in directives().items():
        assert not {"wss:", "ws:", "https:", "http:", "*"} & set(sources), name
