// The booth kiosk: enroll once, wait for the coordinator's check-in, then walk the applicant
// through review, consent, device check, lobby, the audience and her rating.

import { t, ready, formatDate, applyLanguage, currentLanguage } from "/static/shared/i18n.js";
import { api, ApiError, deviceIdentity, forgetDevice } from "/static/shared/api.js";
import { AudienceCall, FINAL_REFUSALS } from "/static/shared/call.js";
import { e2eeSupported } from "/static/shared/e2ee.js";
import { showEndToEnd } from "/static/shared/e2ee_view.js";
import { $, screens, wireEnrollment, awaitingEndorsement, finishEndorsement, clock } from "/static/shared/page.js";
import { recordPristine } from "/static/booth/fresh_page.js";
import { wireHelp, listenForAnswers, resetHelp } from "/static/booth/help.js";
import {
  wireSafety, safetyScreen, resetSafety, isVoiceOnly, continueWithoutCheck, checkStarted, checkAnswered,
} from "/static/booth/safety.js";

const POLL_MS = 2000;
const HEARTBEAT_MS = 5000;
const AFTER_SCREEN_MS = 90000;
// The seat's resume token, kept for this tab only: a reloaded page comes back into its seat.
const SEAT_KEY = "majlis.booth.seat";
const showScreen = screens();

let screen = "idle";
let assignment = null;
let inFlow = false;  // from "start" until the rating: polling does not move the screen
let call = null;
let localStream = null;
let roomState = null;
let microphoneMeter = null;  // { context, timer } while the device check's meter runs
let afterTimer = null;
let restorePage = null;  // puts the page back as it was loaded (booth/fresh_page.js)

function show(name) {
  screen = name;
  // Her picture leaves in clear only for the server's device check, before any key.
  if (call && call.e2ee) call.e2ee.allowClear(name === "preflight");
  showScreen(name);
  safetyScreen(name);
}

function showError(error) {
  $("page-error").textContent = error instanceof ApiError ? error.text : t(error.message_key || "errors.internal");
}

// -- enrollment ---------------------------------------------------------------------------------

wireEnrollment(() => {
  show("idle");
  poll();
});

function unenrolled() {
  forgetDevice();
  forgetApplicant().then(() => show("enroll"));
}

// -- waiting for a check-in -----------------------------------------------------------------------

async function poll() {
  if (!deviceIdentity()) return unenrolled();
  if (inFlow || awaitingEndorsement()) return;
  try {
    const me = await api("GET", "/api/device", undefined, { asDevice: true });
    if (inFlow) return;
    const waiting = me.assignment && me.assignment.status === "confirmed" && !me.assignment.rated;
    // Another woman (or none) where one was greeted: nothing of the one before is kept.
    if (assignment && (!waiting || me.in_service === false || me.assignment.appointment !== assignment.appointment)) {
      await forgetApplicant();
    }
    if (me.in_service === false) {  // check-in and its seat are refused here until it is back
      return show("out_of_service");
    }
    if (waiting && me.assignment.resume_at) {
      assignment = me.assignment;
      return comeBack(me.assignment.resume_at);
    }
    if (waiting) {
      assignment = me.assignment;
      $("greeting").textContent = t("booth.checkin.greeting", { name: assignment.first_name });
      $("appointment-time").textContent = t("booth.checkin.time", { time: formatDate(assignment.starts_at) });
      show("checkin");
    } else {
      show("idle");
    }
  } catch (error) {
    if (error.status === 401) unenrolled();
  }
}

async function heartbeat() {
  if (!deviceIdentity()) return;
  const reconnecting = !$("reconnecting").hidden;
  const roundTrip = call ? await call.roundTripMs() : null;
  try {
    await api("POST", "/api/device/heartbeat",
      { screen: reconnecting ? "reconnecting" : screen, round_trip_ms: roundTrip }, { asDevice: true });
  } catch (error) {
    if (error.status === 401) unenrolled();
  }
}

// -- review and consent ---------------------------------------------------------------------------

$("start").addEventListener("click", () => {
  inFlow = true;
  $("request-text").textContent = assignment.text;
  $("amend-text").value = assignment.text;
  show("review");
});

$("review-amend").addEventListener("click", () => {
  $("amend-form").hidden = false;
  $("amend-text").focus();
});

$("amend-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("amend-error").textContent = "";
  try {
    await api("POST", "/api/device/text", { text: $("amend-text").value }, { asDevice: true });
    assignment.text = $("amend-text").value.trim();
    $("request-text").textContent = assignment.text;
    $("amend-form").hidden = true;
  } catch (error) {
    $("amend-error").textContent = error.text;
  }
});

$("review-ok").addEventListener("click", () => {
  const minutes = Math.round((Date.parse(assignment.ends_at) - Date.parse(assignment.starts_at)) / 60000);
  $("rule-time").textContent = t("booth.consent.rule_time", { count: minutes });
  show("consent");
});
$("consent-box").addEventListener("change", () => {
  $("consent-ok").disabled = !$("consent-box").checked;
});
$("consent-ok").addEventListener("click", () => startDeviceCheck());

// -- device check ---------------------------------------------------------------------------------

// A page that loads while her audience is under way (a reload, a re-opened kiosk) takes her
// straight back where she was, without greeting, review, consent or device check again.
function comeBack(where) {
  inFlow = true;
  startDeviceCheck(where === "device_check" ? "preflight" : "lobby");
}

async function startDeviceCheck(first = "preflight") {
  show(first);
  $("preflight-status").textContent = t("booth.preflight.starting");
  try {
    localStream = localStream || await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  } catch {
    $("preflight-status").textContent = t("booth.preflight.no_camera");
    return;
  }
  $("preview").srcObject = localStream;
  $("self-view").srcObject = localStream;
  meterMicrophone(localStream);
  joinRoom();
}

function meterMicrophone(stream) {
  if (microphoneMeter) return;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  microphoneMeter = { context };
  microphoneMeter.timer = setInterval(() => {
    analyser.getByteTimeDomainData(samples);
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128) / 128);
    $("mic-level").value = peak;
  }, 200);
}

$("tone").addEventListener("click", () => {
  const context = new AudioContext();
  const oscillator = context.createOscillator();
  oscillator.frequency.value = 440;
  oscillator.connect(context.destination);
  oscillator.start();
  oscillator.stop(context.currentTime + 1);
});

function storedSeat() {
  try {
    const seat = JSON.parse(sessionStorage.getItem(SEAT_KEY));
    return seat && assignment && seat.room === assignment.room ? seat.token : null;
  } catch {
    return null;
  }
}

async function joinRoom() {
  let token = storedSeat();  // the resume token of this page's seat before a reload
  const resuming = token !== null;
  if (!resuming) {
    try {
      token = (await api("POST", "/api/device/join-token", {}, { asDevice: true })).token;
    } catch (error) {
      showError(error);
      return;
    }
  }
  call = new AudienceCall("/booth", token, localStream);
  if (e2eeSupported()) {
    showEndToEnd(call, $("e2ee-code"), $("page-error"));
    call.e2ee.allowClear(screen === "preflight");
  }
  call.addEventListener("connected", (event) => {
    sessionStorage.setItem(SEAT_KEY, JSON.stringify({ room: event.detail.room, token: event.detail.resume_token }));
    $("reconnecting").hidden = true;
    $("preflight-status").textContent = t("booth.preflight.connecting");
  });
  call.addEventListener("media", (event) => {
    if (event.detail === "connected" && screen === "preflight") {
      $("preflight-status").textContent = t("booth.preflight.ready");
      $("preflight-check").disabled = false;
    }
  });
  call.addEventListener("remote", () => {
    $("remote").srcObject = call.remoteStream;
  });
  call.addEventListener("state", (event) => onRoomState(event.detail));
  call.addEventListener("warning", (event) => {
    $("warning").hidden = false;
    $("warning").textContent = t("booth.live.warning", { count: Number(event.detail.minutes) });
  });
  call.addEventListener("reconnecting", () => {
    $("reconnecting").hidden = false;
  });
  call.addEventListener("refused", (event) => {
    if (event.detail.code === "token_not_yet_valid") return;
    if (resuming && !["not_permitted", "e2ee_unsupported"].includes(event.detail.code)) {
      // The kept resume token no longer seats her (expired, another window): a new join token.
      sessionStorage.removeItem(SEAT_KEY);
      call.close();
      joinRoom();
      return;
    }
    $("page-error").textContent = t(event.detail.message_key);
  });
  call.addEventListener("connect_error", (event) => {
    if (event.detail.code === "token_not_yet_valid") {
      $("preflight-status").textContent = t("errors.token.not_yet_valid");
    } else if (!FINAL_REFUSALS.has(event.detail.code)) {
      $("reconnecting").hidden = false;
    }
  });
  call.addEventListener("ended", () => finish());
  call.connect();
  listenForAnswers(call);
}

$("preflight-check").addEventListener("click", async () => {
  $("preflight-check").disabled = true;
  if (isVoiceOnly()) {  // no picture to check: she goes on to her lobby
    try {
      await continueWithoutCheck();
      show("lobby");
    } catch (error) {
      $("preflight-status").textContent = t(error.message_key || "errors.internal");
      $("preflight-check").disabled = false;
    }
    return;
  }
  $("preflight-status").textContent = t("booth.preflight.checking");
  checkStarted();
  try {
    const result = await call.request("preflight");
    $("preflight-status").textContent = t(result.message_key);
    checkAnswered(result.passed);
    if (result.passed) show("lobby");
    else $("preflight-check").disabled = false;
  } catch (error) {
    $("preflight-status").textContent = t(error.message_key || "errors.internal");
    $("preflight-check").disabled = false;
  }
});

// -- lobby and audience ---------------------------------------------------------------------------

// A technical pause takes her back to her lobby, which says why; resuming brings her back in.
function onRoomState(state) {
  roomState = state;
  roomState.receivedAt = Date.now();
  if (state.state === "live" && ["lobby", "preflight"].includes(screen)) show("live");
  if (state.state === "paused" && ["live", "preflight"].includes(screen)) show("lobby");
  if (screen === "preflight" && state.state === "lobby" && ["ok", "waived"].includes(state.last_preflight)) show("lobby");
  const paused = state.state === "paused";
  $("lobby-paused").hidden = !paused;
  $("lobby-waiting").hidden = paused;
  $("countdown").hidden = paused;
}

function tick() {
  if (!roomState) return;
  const elapsed = (Date.now() - roomState.receivedAt) / 1000;
  if (screen === "lobby") {
    const untilStart = Math.max(0, (Date.parse(roomState.starts_at) - call.serverNow()) / 1000);
    $("countdown").textContent = untilStart > 0
      ? t("booth.lobby.countdown", { time: clock(untilStart) })
      : t("booth.lobby.now");
  }
  if (screen === "live") {
    const remaining = Math.max(0, roomState.remaining_s - (roomState.state === "live" ? elapsed : 0));
    $("remaining").textContent = t("booth.live.remaining", { time: clock(remaining) });
  }
}

wireSafety({ call: () => call });

wireHelp(() => call);

// -- after ------------------------------------------------------------------------------------------

// Every audience ends here (held, ended early or aborted): her rating is asked each time.
function finish() {
  if (screen === "after") return;
  sessionStorage.removeItem(SEAT_KEY);
  show("after");
  $("tracking-number").textContent = assignment ? assignment.tracking_number : "";
  stopMedia();
  afterTimer = setTimeout(async () => {
    await forgetApplicant();
    poll();
  }, AFTER_SCREEN_MS);
}

function stopMedia() {
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  localStream = null;
  if (microphoneMeter) {
    clearInterval(microphoneMeter.timer);
    microphoneMeter.context.close();
    microphoneMeter = null;
  }
}

// The one way from one applicant to the next (after her audience, a check-out, another
// check-in, the kiosk unenrolled): nothing of her is left — not on any screen (hidden ones
// included), not in a field, not in this script's variables — and the kiosk speaks Arabic again.
async function forgetApplicant() {
  clearTimeout(afterTimer);
  afterTimer = null;
  if (call) call.close();
  call = null;
  stopMedia();
  sessionStorage.removeItem(SEAT_KEY);
  assignment = null;
  roomState = null;
  inFlow = false;
  if (restorePage) restorePage();
  resetHelp();
  resetSafety();
  delete $("page-error").dataset.sticky;  // her audience's security error goes with her
  $("page-error").textContent = "";
  await applyLanguage("ar");
}

for (const button of document.querySelectorAll("[data-stars]")) {
  button.addEventListener("click", async () => {
    try {
      await api("POST", "/api/device/rating", { stars: Number(button.dataset.stars) }, { asDevice: true });
      $("rating-block").hidden = true;
      $("thanks").hidden = false;
    } catch (error) {
      showError(error);
    }
  });
}

// -- start ------------------------------------------------------------------------------------------

await ready;
restorePage = recordPristine();
if (deviceIdentity()) {
  show("idle");
  finishEndorsement(deviceIdentity().device, () => show("enroll")).then(() => {
    if (screen === "enroll") show("idle");
    poll();
  });
} else {
  show("enroll");
}
setInterval(poll, POLL_MS);
setInterval(heartbeat, HEARTBEAT_MS);
heartbeat();
setInterval(tick, 250);
