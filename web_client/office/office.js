// The minister's office terminal: today's queue across centres, the pre-brief, admit, the
// audience's controls and the outcome form. The office's data needs both the terminal's
// credential and the signed-in member's session: every call here sends both.

import { t, ready, formatDate, formatTime, onLanguageChange } from "/static/shared/i18n.js";
import { api, deviceIdentity, forgetDevice, whoAmI, DEVICE_REFUSALS } from "/static/shared/api.js";
import { AudienceCall } from "/static/shared/call.js";
import { $, screens, element, wireEnrollment, wireSignIn, clock, localMidnight } from "/static/shared/page.js";
import { loadReference, centreName, categoryLabel, fillSelect, departmentChoices } from "/static/shared/reference.js";

const show = screens();
let screen = "";
let queue = [];
let selected = null;
let brief = null;          // the selected audience's pre-brief
let call = null;
let localStream = null;
let roomState = null;

function go(name) {
  screen = name;
  show(name);
}

wireEnrollment(() => start());
wireSignIn(() => start());

async function start() {
  if (!deviceIdentity()) return go("enroll");
  const session = await whoAmI();
  if (!session || session.role !== "office") return go("signin");
  $("who").textContent = `${session.display_name} · ${deviceIdentity().device}`;
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
    const [centre, booth] = item.booth.split("/");
    const where = `${centreName(centre)} · ${t("office.queue.booth", { n: booth.replace("booth-", "") })} · ${t(stateKey(item))}`;
    const button = element("button", { text: `${formatTime(item.starts_at)} — ${where}`, attrs: { type: "button", "data-appointment": item.appointment } });
    if (selected && selected.appointment === item.appointment) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => select(item));
    list.append(element("li", { className: `queue-item state-${item.room_state ? item.room_state.state : item.status}` }, [button]));
  }
}

async function select(item) {
  selected = item;
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
  localStream = localStream || await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  $("self-view").srcObject = localStream;
  const { token } = await api("POST", "/api/device/join-token", { room }, { asDevice: true });
  call = new AudienceCall("/office", token, localStream);
  call.addEventListener("connected", () => { $("reconnecting").hidden = true; });
  call.addEventListener("reconnecting", () => { $("reconnecting").hidden = false; });
  call.addEventListener("remote", () => { $("remote").srcObject = call.remoteStream; });
  call.addEventListener("state", (event) => onRoomState(event.detail));
  call.addEventListener("warning", (event) => {
    $("warning").hidden = false;
    $("warning").textContent = t("booth.live.warning", { minutes: event.detail.minutes });
  });
  call.addEventListener("refused", (event) => { $("admit-status").textContent = t(event.detail.message_key); call = null; });
  call.addEventListener("ended", () => ended());
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

function onRoomState(state) {
  roomState = { ...state, receivedAt: Date.now() };
  if (["live", "paused"].includes(state.state) && screen !== "live") go("live");
  $("paused").hidden = state.state !== "paused";
  $("pause").textContent = t(state.state === "paused" ? "office.live.resume" : "office.live.pause");
}

async function control(event, payload = {}) {
  $("live-error").textContent = "";
  try {
    return await call.request(event, payload);
  } catch (error) {
    if (error.code === "extension_overlaps_next_slot" && confirm(t(error.message_key))) {
      return control(event, { push_next: true });
    }
    $("live-error").textContent = t(error.message_key || "errors.internal");
  }
}

$("mute").addEventListener("click", () => {
  const audio = localStream.getAudioTracks()[0];
  audio.enabled = !audio.enabled;
  $("mute").setAttribute("aria-pressed", String(!audio.enabled));
  $("mute").textContent = t(audio.enabled ? "office.live.mute" : "office.live.unmute");
});
$("extend").addEventListener("click", () => control("extend"));
$("pause").addEventListener("click", () => control(roomState && roomState.state === "paused" ? "resume" : "pause"));
$("end").addEventListener("click", () => control("end"));

function tick() {
  if (screen !== "live" || !roomState) return;
  const elapsed = roomState.state === "live" ? (Date.now() - roomState.receivedAt) / 1000 : 0;
  $("remaining").textContent = t("booth.live.remaining", { time: clock(roomState.remaining_s - elapsed) });
}

function ended() {
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  localStream = null;
  call = null;
  $("warning").hidden = true;
  go("outcome");
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
    selected = null;
    brief = null;
    $("brief").hidden = true;
    $("outcome-note").value = "";
    go("queue");
    refreshQueue();
  } catch (error) {
    $("outcome-error").textContent = error.text;
  }
});

await ready;
onLanguageChange(() => {
  fillSelect($("department"), departmentChoices());
  renderQueue();
  renderBrief();
});
start();
setInterval(refreshQueue, 3000);
setInterval(tick, 250);
