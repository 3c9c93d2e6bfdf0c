// The coordinators' safeguarding alerts (issue 16): at the top of her board, in their own
// colour and with their own sound (a Web Audio tone: no file), for her centres only — the
// server pushes them on /desk to the coordinators on duty for that centre and nobody else.
// She acknowledges, may put the audience into a technical pause (the office sees only that),
// and closes the alert with how it was handled (sealed at rest). Also the quiet notes (a
// device check the server could not pass): listed, no sound, no alert.

import { t, formatTime } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";

const NOTES_KEPT = 5;
let boothName = (device) => device;
let failed = () => () => {};
let enabled = false;
const notes = [];
// What she has typed of how an alert was handled, by alert id: the list is drawn afresh at
// every alert's change (hers or a colleague's), and her words must outlive that.
const drafts = new Map();
let refreshes = 0;  // only the newest refresh draws: an older answer arriving late is dropped

export function wireSafeguarding(socket, given) {
  boothName = given.boothName;
  failed = given.failed;
  enabled = given.enabled;
  socket.on("safeguarding", (notice) => {
    if (notice.stage === "raised") sound();
    refreshSafeguarding();
  });
  socket.on("note", (note) => {
    notes.unshift(note);
    notes.length = Math.min(notes.length, NOTES_KEPT);
    renderNotes();
  });
}

export async function refreshSafeguarding() {
  $("safeguarding").hidden = !enabled;
  if (!enabled) return;
  const refresh = ++refreshes;
  let alerts;
  try {
    alerts = (await api("GET", "/api/safeguarding")).alerts;
  } catch (error) {
    return failed("page-error")(error);
  }
  if (refresh !== refreshes) return;
  const list = $("safeguarding-alerts");
  const typing = list.contains(document.activeElement) ? document.activeElement : null;
  for (const id of drafts.keys()) {
    if (!alerts.some((alert) => alert.id === id)) drafts.delete(id);
  }
  list.replaceChildren(...alerts.map(item));
  $("safeguarding").hidden = alerts.length === 0;
  const again = typing?.id ? document.getElementById(typing.id) : null;
  if (again instanceof HTMLTextAreaElement) {
    again.focus();
    again.setSelectionRange(typing.selectionStart, typing.selectionEnd);
  }
}

function item(alert) {
  const words = { time: formatTime(alert.raised_at), booth: boothName(alert.device) };
  const key = alert.stage === "withdrawn" ? "desk.safeguarding.withdrawn" : "desk.safeguarding.alert";
  const parts = [element("p", { text: t(key, words) })];
  if (alert.acknowledged_by) {
    parts.push(element("p", { text: t("desk.safeguarding.acknowledged_by", { name: alert.acknowledged_by }) }));
  } else {
    parts.push(action("desk.safeguarding.acknowledge", "acknowledge", alert));
  }
  if (alert.paused) {
    parts.push(element("p", { key: "desk.safeguarding.paused" }), action("desk.safeguarding.resume", "resume", alert));
  } else if (alert.room) parts.push(action("desk.safeguarding.pause", "pause", alert));
  const noteId = `safeguarding-note-${alert.id}`;
  const note = element("textarea", { attrs: { id: noteId, rows: "2", maxlength: "2000" } });
  note.value = drafts.get(alert.id) ?? "";
  note.addEventListener("input", () => drafts.set(alert.id, note.value));
  const close = element("button", { key: "desk.safeguarding.handled", attrs: { type: "button", "data-action": "handled" } });
  close.addEventListener("click", () => post(alert, "handled", { note: note.value }));
  parts.push(element("label", { key: "desk.safeguarding.note_label", attrs: { for: noteId } }), note, close);
  return element("li", {
    className: `safeguarding stage-${alert.stage}`,
    attrs: { "data-safeguarding": String(alert.id), "data-stage": alert.stage },
  }, parts);
}

function action(key, path, alert) {
  const button = element("button", { key, attrs: { type: "button", "data-action": path } });
  button.addEventListener("click", () => post(alert, path, {}));
  return button;
}

async function post(alert, path, body) {
  try {
    await api("POST", `/api/safeguarding/${alert.id}/${path}`, body);
    if (path === "handled") drafts.delete(alert.id);
  } catch (error) {
    failed("page-error")(error);  // her note stays in its box, to send again
  }
  refreshSafeguarding();
}

function renderNotes() {
  $("desk-notes").hidden = notes.length === 0;
  $("desk-notes-list").replaceChildren(...notes.map((note) => element("li", {
    text: t(`desk.note.${note.kind}`, { time: formatTime(note.at), booth: boothName(note.device) }),
    attrs: { "data-note": note.kind },
  })));
}

// Two short falling tones, unlike any other sound of the desk.
function sound() {
  try {
    const context = new AudioContext();
    for (const [start, frequency] of [[0, 880], [0.35, 660]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.2;
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(context.currentTime + start);
      oscillator.stop(context.currentTime + start + 0.25);
    }
  } catch {
    // No audio device: the colour and the top of the board still say it.
  }
}
