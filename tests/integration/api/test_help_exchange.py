"""Talking to the booth on a real server: her help button's reason reaches the desks of her
booth's centre, a Riyadh coordinator's answer reaches that booth only (never the office, never
Jeddah's desk), is kept sealed with the alert and audited by its kind; a wrong role, another
centre, an oversized text and a malformed payload each get a typed error."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from audit.log import audit_log
from casework.tables import HELP_TEXT
from devices.tables import help_messages
from majlis.app import DB_ENGINE, PII
from tests.integration.api.test_centre_scope import Desks, desk_of, desks  # noqa: F401
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, Participant

ANSWER = "أنا قادمة إليكِ خلال دقيقة"
BODIES_REFUSED = [
    ({"alert": 1, "kind": "text", "text": "x" * 201}, "invalid_payload"),  # oversized
    ({"alert": 1, "kind": "text", "text": "   "}, "invalid_payload"),  # a text kind, no text
    ({"alert": 1, "kind": "on_my_way", "text": "hello"}, "invalid_payload"),
    ({"alert": 1, "kind": "shout"}, "invalid_payload"),
    ({"alert": "1", "kind": "on_my_way"}, "invalid_payload"),  # strict: no coercion
    ({"kind": "on_my_way"}, "invalid_payload"),
    ("on my way", "invalid_payload"),
]


async def seat(live: LiveServer, namespace: str) -> Participant:
    participant = live.participant(namespace)
    await participant.connect(live.rooms.issue_join_token("room-1", namespace.strip("/")))
    return participant


async def riyadh_help(live: LiveServer, staff_desks: Desks) -> tuple[Participant, Participant]:
    """Riyadh's desk and the booth of room-1 (a Riyadh booth), the room open."""
    await live.schedule("room-1", booth="riyadh/booth-1")
    await live.at(SLOT_START, "open")
    return await desk_of(live, staff_desks.riyadh), await seat(live, "/booth")


def code_of(answer: dict[str, Any]) -> str:
    return str(answer["error"]["code"]) if not answer["ok"] else "ok"


async def test_a_riyadh_coordinators_answer_reaches_the_booth_only(
    live: LiveServer,
    desks: Desks,  # noqa: F811
) -> None:
    riyadh_desk, booth = await riyadh_help(live, desks)
    jeddah_desk = await desk_of(live, desks.jeddah)
    office = await seat(live, "/office")

    assert (await booth.call("help", {"reason": "sound"}))["ok"]
    await wait_for(lambda: bool(riyadh_desk.received["alert"]), 3, "the alert at Riyadh's desk")
    alert = riyadh_desk.received["alert"][0]
    assert (alert["kind"], alert["reason"], alert["room"]) == ("help", "sound", "room-1")

    other_centre = {"alert": alert["id"], "kind": "on_my_way"}
    assert code_of(await jeddah_desk.call("help_answer", other_centre)) == "unknown_alert"
    answer = {"alert": alert["id"], "kind": "text", "text": ANSWER}
    assert (await riyadh_desk.call("help_answer", answer))["ok"]

    await wait_for(lambda: bool(booth.received["help_answer"]), 3, "the answer at the booth")
    pushed = booth.received["help_answer"][0]
    assert (pushed["kind"], pushed["text"]) == ("text", ANSWER)
    assert riyadh_desk.received["help_answered"] == [{"id": alert["id"], "kind": "text"}]
    # An answer comes after every event pushed to that socket before it.
    assert (await office.call("state"))["ok"]
    assert (await jeddah_desk.call("rooms"))["ok"]
    for listener in (office, jeddah_desk):
        heard = {event for event in listener.received if listener.received[event]}
        assert heard.isdisjoint({"alert", "help_answer", "help_answered"}), heard
        assert ANSWER not in repr(dict(listener.received))

    status, board = await desks.riyadh.call("GET", "/api/board")
    assert status == 200, board
    assert [(a["reason"], a["answer"]) for a in board["alerts"]] == [("sound", "text")]
    status, board = await desks.jeddah.call("GET", "/api/board")
    assert board["alerts"] == []


async def test_an_answer_is_kept_sealed_with_its_alert_and_audited_without_its_text(
    live: LiveServer,
    desks: Desks,  # noqa: F811
) -> None:
    riyadh_desk, booth = await riyadh_help(live, desks)
    assert (await booth.call("help", {"reason": "coordinator"}))["ok"]
    await wait_for(lambda: bool(riyadh_desk.received["alert"]), 3, "the alert")
    alert_id = riyadh_desk.received["alert"][0]["id"]

    assert (await riyadh_desk.call("help_answer", {"alert": alert_id, "kind": "on_my_way"}))["ok"]
    answer = {"alert": alert_id, "kind": "text", "text": f"  {ANSWER} "}
    assert (await riyadh_desk.call("help_answer", answer))["ok"]

    async with live.app[DB_ENGINE].connect() as connection:
        rows = (
            await connection.execute(
                select(
                    help_messages.c.id,
                    help_messages.c.alert_id,
                    help_messages.c.room,
                    help_messages.c.sender,
                    help_messages.c.kind,
                    help_messages.c.text,
                ).order_by(help_messages.c.id)
            )
        ).all()
        audited = (
            await connection.execute(
                select(audit_log.c.actor, audit_log.c.subject, audit_log.c.detail).where(
                    audit_log.c.action == "help.answered"
                )
            )
        ).all()
    assert [(r.alert_id, r.room, r.sender, r.kind) for r in rows] == [
        (alert_id, "room-1", "booth", "coordinator"),
        (alert_id, "room-1", "desk", "on_my_way"),
        (alert_id, "room-1", "desk", "text"),
    ]
    assert [r.text for r in rows[:2]] == ["", ""]
    sealed = rows[2].text
    assert ANSWER not in sealed
    assert sealed.startswith("pii2.")
    assert live.app[PII].unseal(sealed, HELP_TEXT, rows[2].id) == ANSWER
    subject = f"alert:{alert_id}"
    assert [tuple(a) for a in audited] == [
        ("coordinator1", subject, "on_my_way"),
        ("coordinator1", subject, "text"),
    ]


async def test_wrong_callers_and_bad_answers_get_typed_errors(
    live: LiveServer,
    desks: Desks,  # noqa: F811
) -> None:
    riyadh_desk, booth = await riyadh_help(live, desks)
    office = await seat(live, "/office")

    for body, code in BODIES_REFUSED:
        assert code_of(await riyadh_desk.call("help_answer", body)) == code, body
    on_my_way = {"alert": 1, "kind": "on_my_way"}
    assert code_of(await riyadh_desk.call("help_answer", on_my_way)) == "unknown_alert"
    assert code_of(await booth.call("help_answer", on_my_way)) == "not_permitted"
    assert code_of(await office.call("help_answer", on_my_way)) == "not_permitted"
    assert code_of(await office.call("help", {"reason": "sound"})) == "not_permitted"
    assert code_of(await booth.call("help", {"reason": "bored"})) == "invalid_payload"
    assert code_of(await booth.call("help", {})) == "invalid_payload"
    assert booth.received["help_answer"] == []
