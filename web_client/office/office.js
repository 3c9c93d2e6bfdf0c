// The minister's office terminal: today's queue across centres, the pre-brief, admit, the
// audience's controls and the outcome form. The office's data needs both the terminal's
// credential and the signed-in member's session: every call here sends both.

import { t, ready, formatDate, formatTime, onLanguageChange } from "/static/shared/i18n.js";
import { api, deviceIdentity, forgetDevice, whoAmI, DEVICE_REFUSALS } from "/static/shared/api.js";
import { AudienceCall } from "/static/shared/call.js";
import { e2eeSupported } from "/static/shared/e2ee.js";
import { showEndToEnd } from "/static/shared/e2ee_view.js";
import { $, screens, element, wireEnrollment, wireSignIn, finishEndorsement, clock, localMidnight } from "/static/shared/page.js";
import { showVoiceOnly } from "/static/office/voice_only.js";
import { loadReference, centreName, categoryLabel, fillSelect, departmentChoices, deviceLabel } from "/static/shared/reference.js";

const show = screens();
let screen = "";
let queue = [];
let selected = null;
let brief = null;          // the selected audience's pre-brief
let call = null;
let localStream = null;
let roomState = null;
let awayChoiceDismissed = false;  // "keep waiting" chosen for this drop

function go(name) {
  screen = name;
  show(name);
}

wireEnrollment(() => start());
wireSignIn(() => start());

async function start() {
  if (!deviceIdentity()) return go("enroll");
  await finishEndorsement(deviceIdentity().device, () => go("enroll"));
  const session = await whoAmI();
  if (!session || session.role !== "office") return go("signin");
  $("who").textContent = `${session.display_name} · ${deviceLabel(deviceIdentity().device)}`;
  go("queue");
  try {
    await loadReference({ asDevice: true });
  } catch (error) {
    $("page-error").textContent = error.text;
  }
  fillSelect($("department"), departmentChoices());
  refreshQueue();
}

// -- the queue ------------------------------------------------------------------------------------

const READY_WORDS = { lobby: "office.state.ready", live: "office.state.live", paused: "office.state.paused",
  open: "office.state.waiting", scheduled: "office.state.scheduled", ended: "office.state.ended",
  no_show: "office.state.no_show", aborted: "office.state.aborted" };

function stateKey(item) {
  if (item.room_state) {
    if (item.room_state.state === "open" && item.room_state.booth_present) return "office.state.preflight";
    return READY_WORDS[item.room_state.state] || "office.state.scheduled";
  }
  return `office.state.${item.status}`;
}

async function refreshQueue() {
  if (screen !== "queue") return;
  try {
    const office = encodeURIComponent(deviceIdentity().device);
    const day = encodeURIComponent(localMidnight());
    queue = (await api("GET", `/api/queue?office=${office}&day_start=${day}`, undefined, { asDevice: true })).queue;
  } catch (error) {
    if (DEVICE_REFUSALS.has(error.code)) {
      forgetDevice();
      return go("enroll");
    }
    if (error.status === 401) return go("signin");
    return;
  }
  renderQueue();
}

function renderQueue() {
  const list = $("queue");
  list.replaceChildren();
  $("queue-empty").hidden = queue.length > 0;
  for (const item of queue) {
    const where = `${deviceLabel(item.booth)} · ${t(stateKey(item))}`;
    const button = element("button", { text: `${formatTime(item.starts_at)} — ${where}`, attrs: { type: "button", "data-appointment": item.appointment, "data-booth": item.booth } });
    if (selected && selected.appointment === item.appointment) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => select(item));
    list.append(element("li", { className: `queue-item state-${item.room_state ? item.room_state.state : item.status}` }, [button]));
  }
}

// The next audience to hold: the applicant already in her lobby first, then the earliest still
// to come.
function nextReady() {
  const upcoming = queue.filter((item) => !["ended", "no_show", "aborted"].includes(item.room_state && item.room_state.state)
    && ["confirmed", "booked"].includes(item.status));
  return upcoming.find((item) => item.room_state && item.room_state.state === "lobby") || upcoming[0] || null;
}

async function select(item, { next = false } = {}) {
  selected = item;
  $("brief-next").hidden = !next;
  renderQueue();
  brief = await api("GET", `/api/appointments/${item.appointment}/brief`, undefined, { asDevice: true });
  $("brief").hidden = false;
  renderBrief();
  $("admit-status").textContent = "";
}

function renderBrief() {
  if (!brief || !selected) return;
  $("brief-tracking").textContent = brief.tracking_number;
  $("brief-category").textContent = categoryLabel(brief.category);
  $("brief-time").textContent = formatDate(selected.starts_at);
  $("brief-text").textContent = brief.text;
  const earlier = $("brief-earlier");
  earlier.replaceChildren();
  if (brief.earlier.length === 0) earlier.append(element("li", { key: "office.brief.none" }));
  for (const e of brief.earlier) {
    earlier.append(element("li", { text: `${e.tracking_number} · ${categoryLabel(e.category)} · ${t(`status.${e.status}`)}` }));
  }
}

// -- admit and the audience -----------------------------------------------------------------------

$("admit").addEventListener("click", async () => {
  if (!selected) return;
  $("admit").disabled = true;
  try {
    if (!call) await joinRoom(selected.room);
    await mediaReady();
    await call.request("admit");
  } catch (error) {
    $("admit-status").textContent = t(error.message_key || "errors.internal");
  } finally {
    $("admit").disabled = false;
  }
});

async function joinRoom(room) {
  $("live-error").textContent = "";
  $("queue-notice").hidden = true;
  awayChoiceDismissed = false;
  localStream = localStream || await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  $("self-view").srcObject = localStream;
  const { token } = await api("POST", "/api/device/join-token", { room }, { asDevice: true });
  call = new AudienceCall("/office", token, localStream);
  if (e2eeSupported()) showEndToEnd(call, $("e2ee-code"), $("live-error"), { firstContactNote: true });
  call.addEventListener("connected", () => { $("reconnecting").hidden = true; });
  call.addEventListener("reconnecting", () => { $("reconnecting").hidden = false; });
  call.addEventListener("remote", () => { $("remote").srcObject = call.remoteStream; });
  call.addEventListener("state", (event) => onRoomState(event.detail));
  call.addEventListener("warning", (event) => {
    $("warning").hidden = false;
    $("warning").textContent = t("booth.live.warning", { count: Number(event.detail.minutes) });
  });
  call.addEventListener("refused", (event) => { $("admit-status").textContent = t(event.detail.message_key); call = null; });
  call.addEventListener("ended", (event) => ended(event.detail));
  call.connect();
}

function mediaReady() {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (!call) return reject({ message_key: "errors.network" });
      if (call.pc && call.pc.connectionState === "connected") return resolve();
      if (Date.now() - started > 15000) return reject({ message_key: "errors.media.generic" });
      setTimeout(check, 200);
    };
    check();
  });
}

// A technical pause is a waiting screen of its own: the applicant waits in her lobby and the
// audience's clock stands still until the office resumes.
function onRoomState(state) {
  roomState = { ...state, receivedAt: Date.now() };
  if (state.state === "live" && screen !== "live") go("live");
  if (state.state === "paused" && screen !== "paused") go("paused");
  if (state.booth_present) awayChoiceDismissed = false;
  showAway();
  showVoiceOnly(state, brief);
}

// The booth's connection dropped: the office sees it, how long the seat is still held, and may
// stop waiting (the audience then ends as a technical problem).
function showAway() {
  const away = roomState && roomState.booth_back_by && !roomState.booth_present;
  $("booth-away").hidden = !away;
  if (!away) return;
  const left = (Date.parse(roomState.booth_back_by) - call.serverNow()) / 1000;
  $("booth-away-text").textContent = t("office.away.waiting", { time: clock(left) });
  $("booth-away-choice").hidden = awayChoiceDismissed;
}

// A question the office answers in the page (an accessible dialog, its words in the catalogs).
function ask(textKey, yesKey) {
  const dialog = $("confirm");
  $("confirm-text").textContent = t(textKey);
  $("confirm-yes").textContent = t(yesKey);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

const RETRY_WITH = {
  extension_overlaps_next_slot: ["office.confirm.push_next", { push_next: true }],
  resume_overruns_next_slot: ["office.confirm.accept_shorter", { accept_shorter: true }],
};

async function control(event, payload = {}, errorField = "live-error") {
  $(errorField).textContent = "";
  if (!call) return undefined;
  try {
    return await call.request(event, payload);
  } catch (error) {
    const retry = RETRY_WITH[error.code];
    if (retry && await ask(error.message_key, retry[0])) return control(event, retry[1], errorField);
    if (retry) return undefined;
    $(errorField).textContent = t(error.message_key || "errors.internal");
  }
  return undefined;
}

async function endAudience(errorField) {
  if (await ask("office.confirm.end", "office.confirm.end_yes")) control("end", {}, errorField);
}

$("mute").addEventListener("click", () => {
  const audio = localStream.getAudioTracks()[0];
  audio.enabled = !audio.enabled;
  $("mute").setAttribute("aria-pressed", String(!audio.enabled));
  $("mute").textContent = t(audio.enabled ? "office.live.mute" : "office.live.unmute");
});
$("extend").addEventListener("click", () => control("extend"));
$("pause").addEventListener("click", () => control("pause"));
$("resume").addEventListener("click", () => control("resume", {}, "paused-error"));
$("end").addEventListener("click", () => endAudience("live-error"));
$("paused-end").addEventListener("click", () => endAudience("paused-error"));
$("keep-waiting").addEventListener("click", () => {
  awayChoiceDismissed = true;
  showAway();
});
$("abort-technical").addEventListener("click", () => control("abort"));

function tick() {
  if (!["live", "paused"].includes(screen) || !roomState) return;
  const elapsed = roomState.state === "live" ? (Date.now() - roomState.receivedAt) / 1000 : 0;
  const remaining = t("booth.live.remaining", { time: clock(roomState.remaining_s - elapsed) });
  $(screen === "paused" ? "paused-remaining" : "remaining").textContent = remaining;
  if (call) showAway();
}

// Only an audience that was held asks for an outcome; one that was interrupted or missed says
// why and the office is back at its queue.
function ended(how) {
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  localStream = null;
  call = null;
  roomState = null;
  $("warning").hidden = true;
  $("booth-away").hidden = true;
  if (how.state === "ended") return go("outcome");
  const key = `office.ended.reason.${how.state === "no_show" ? "no_show" : how.reason}`;
  const reason = t(key) === key ? t("office.ended.reason.aborted") : t(key);
  $("queue-notice").textContent = t("office.ended.not_held", { reason });
  $("queue-notice").hidden = false;
  backToQueue();
}

function backToQueue() {
  selected = null;
  brief = null;
  $("brief").hidden = true;
  go("queue");
  refreshQueue();
}

// -- the outcome ------------------------------------------------------------------------------------

$("outcome-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("outcome-error").textContent = "";
  const outcome = document.querySelector("input[name=outcome]:checked").value;
  const body = { outcome, note: $("outcome-note").value };
  if (outcome === "referred") body.department = $("department").value;
  try {
    await api("POST", `/api/appointments/${selected.appointment}/outcome`, body, { asDevice: true });
  } catch (error) {
    $("outcome-error").textContent = error.text;
    return;
  }
  $("outcome-note").value = "";
  $("queue-notice").textContent = t("office.outcome.saved");
  $("queue-notice").hidden = false;
  backToQueue();
  await refreshQueue();
  const next = nextReady();
  if (next) select(next, { next: true });
});

$("outcome-back").addEventListener("click", () => backToQueue());

await ready;
onLanguageChange(() => {
  fillSelect($("department"), departmentChoices());
  renderQueue();
  renderBrief();
});
start();
setInterval(refreshQueue, 3000);
setInterval(tick, 250);
