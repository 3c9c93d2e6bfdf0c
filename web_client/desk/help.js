// Answering a booth's help from the board: what the booth said (sound, picture, a coordinator,
// other) and a short answer — a text, or "on my way" — sent on /desk to that booth only. The
// server keeps the exchange with the audience; the office hears nothing of it.

import { t } from "/static/shared/i18n.js";
import { element } from "/static/shared/page.js";

const MAX_ANSWER_CHARS = 200;  // as the server's schema (signaling/schemas.py)
let socket = () => null;
// The board is drawn anew every few seconds: a half-typed answer and its focus survive that.
const drafts = new Map();  // alert id -> the answer typed so far
let typingIn = null;       // the alert whose answer field has the focus
let refreshBoard = () => {};

export function wireHelpAnswers(options) {
  ({ socket, refreshBoard } = options);
}

// Another desk of her centre answered: the board shows it.
export function listenForHelpAnswers(desk) {
  desk.on("help_answered", () => refreshBoard());
}

// The alert's reason and answer controls (help alerts only).
export function helpParts(alert) {
  if (alert.kind !== "help") return [];
  const parts = [];
  if (alert.reason) {
    parts.push(element("span", { text: t(`help.reason.${alert.reason}`), className: "help-reason" }));
  }
  if (alert.answer) {
    parts.push(element("span", { text: t(`help.answered.${alert.answer}`), className: "help-answered" }));
  }
  parts.push(answerForm(alert));
  return parts;
}

function answerForm(alert) {
  const inputId = `help-text-${alert.id}`;
  const form = element("form", { className: "help-answer-form", attrs: { novalidate: "" } });
  const field = element("input", {
    attrs: { id: inputId, name: "text", maxlength: String(MAX_ANSWER_CHARS), autocomplete: "off" },
  });
  field.value = drafts.get(alert.id) || "";
  field.addEventListener("input", () => drafts.set(alert.id, field.value));
  field.addEventListener("focus", () => { typingIn = alert.id; });
  field.addEventListener("blur", () => { if (field.isConnected) typingIn = null; });
  if (typingIn === alert.id) requestAnimationFrame(() => field.focus());
  const error = element("span", { className: "field-error", attrs: { role: "alert" } });
  const send = element("button", { key: "desk.help.send", attrs: { type: "submit" } });
  const onMyWay = element("button", { key: "desk.help.on_my_way", attrs: { type: "button", "data-action": "on-my-way" } });
  form.append(
    element("label", { key: "desk.help.answer_label", attrs: { for: inputId } }), field, send, onMyWay, error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    answer(alert.id, { kind: "text", text: field.value }, error);
  });
  onMyWay.addEventListener("click", () => answer(alert.id, { kind: "on_my_way" }, error));
  return form;
}

async function answer(alertId, body, error) {
  error.textContent = "";
  const desk = socket();
  if (!desk) return;
  try {
    const answered = await desk.timeout(10000).emitWithAck("help_answer", { alert: alertId, ...body });
    if (!answered.ok) {
      error.textContent = t(answered.error.message_key);
      return;
    }
    drafts.delete(alertId);
    refreshBoard();
  } catch {
    error.textContent = t("errors.network");
  }
}
