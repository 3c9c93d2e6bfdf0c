// Her safety and her choice at the booth (issue 16), wired by booth.js:
// - the discreet safeguarding control: a neutral "display settings" button at check-in, in the
//   lobby and in the audience. One press sends the alert at once (POST, no socket event, so
//   nothing on this page's wire says what it was); the screen shows only a neutral "saved",
//   with an undo for a few seconds (the server's MAJLIS_SAFEGUARDING_UNDO_S).
// - voice only: chosen on the device check or at any moment of the audience, and back; no
//   video of her leaves the booth (the sender carries no track, and the server forwards none).
// - the device check's advice: a check the server cannot pass offers to go on with video as it
//   is, or with voice only; never a dead end.

import { t } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $ } from "/static/shared/page.js";

const SAFETY_SCREENS = new Set(["checkin", "lobby", "live"]);
const UNDO_MS = 7000;  // a little under the server's window: an undo in time is always taken
const ADVICE_AFTER_MS = 6000;  // a check still unanswered by then offers the choice anyway

let pressed = null;     // {id, timer} of the last press, while it may be undone
let voiceOnly = false;  // her choice, for this applicant only
let currentCall = () => null;
let adviceTimer = null;

export function wireSafety({ call }) {
  currentCall = call;
  $("comfort").addEventListener("click", raise);
  $("comfort-undo").addEventListener("click", undo);
  for (const button of document.querySelectorAll("[data-send-video]")) {
    button.addEventListener("click", () => chooseVideo(button.dataset.sendVideo === "video"));
  }
  $("audio-only").addEventListener("click", () => switchVoiceOnly(!voiceOnly));
  $("advice-video").addEventListener("click", () => goOn(false));
  $("advice-voice").addEventListener("click", () => goOn(true));
}

// -- safeguarding -------------------------------------------------------------------------------

export function safetyScreen(name) {
  $("comfort-bar").hidden = !SAFETY_SCREENS.has(name);
}

async function raise() {
  $("comfort").disabled = true;
  try {
    const { id } = await api("POST", "/api/device/safeguarding", {}, { asDevice: true });
    clearTimeout(pressed && pressed.timer);
    pressed = { id, timer: setTimeout(closeUndo, UNDO_MS) };
    $("comfort-saved").hidden = false;
  } catch {
    // Said nowhere on her screen: a person behind her must see nothing unusual.
  } finally {
    $("comfort").disabled = false;
  }
}

async function undo() {
  if (!pressed) return;
  const { id } = pressed;
  closeUndo();
  try {
    await api("POST", `/api/device/safeguarding/${id}/undo`, {}, { asDevice: true });
  } catch {
    // Too late: the coordinator already has it, which is as safe as it gets.
  }
}

function closeUndo() {
  if (pressed) clearTimeout(pressed.timer);
  pressed = null;
  $("comfort-saved").hidden = true;
}

// -- voice only -------------------------------------------------------------------------------

function showVideoChoice() {
  for (const button of document.querySelectorAll("[data-send-video]")) {
    button.setAttribute("aria-pressed", String((button.dataset.sendVideo === "voice") === voiceOnly));
  }
  $("audio-only").setAttribute("aria-pressed", String(voiceOnly));
  $("audio-only").textContent = t(voiceOnly ? "booth.live.video_on" : "booth.live.audio_only");
  $("voice-only-note").hidden = !voiceOnly;
  $("preflight-check").textContent = t(voiceOnly ? "booth.preflight.continue_voice" : "booth.preflight.check");
}

async function switchVoiceOnly(on) {
  voiceOnly = on;
  showVideoChoice();
  const call = currentCall();
  if (!call) return;
  await call.sendVideo(!on);
  try {
    await call.request("voice_only", { on });
  } catch (error) {
    $("page-error").textContent = t(error.message_key || "errors.internal");
  }
}

// On the device check: her choice before she goes in (sent once she is connected).
function chooseVideo(video) {
  switchVoiceOnly(!video);
}

export function isVoiceOnly() {
  return voiceOnly;
}

// Voice only needs no picture check: she goes on to her lobby.
export async function continueWithoutCheck() {
  const call = currentCall();
  await call.request("voice_only", { on: true });
  await call.request("preflight_waive");
}

// -- the device check's advice ----------------------------------------------------------------

export function checkStarted() {
  clearTimeout(adviceTimer);
  adviceTimer = setTimeout(offerChoice, ADVICE_AFTER_MS);
}

export function checkAnswered(passed) {
  clearTimeout(adviceTimer);
  if (!passed) offerChoice();
}

function offerChoice() {
  $("preflight-advice").hidden = false;
}

async function goOn(withVoiceOnly) {
  $("preflight-advice").hidden = true;
  try {
    if (withVoiceOnly) await switchVoiceOnly(true);
    await currentCall().request("preflight_waive");
  } catch (error) {
    $("preflight-status").textContent = t(error.message_key || "errors.internal");
  }
}

// Between applicants (the kiosk's reset): nothing of her choices or presses stays.
export function resetSafety() {
  closeUndo();
  clearTimeout(adviceTimer);
  voiceOnly = false;
  $("preflight-advice").hidden = true;
  showVideoChoice();
}
