// Small helpers the three apps share: screens, elements, enrollment and sign-in forms.

import { t, translate, formatNumber } from "/static/shared/i18n.js";
import { centreMidnight } from "/static/shared/centre_time.js";
import { api, ApiError, rememberDevice, signIn } from "/static/shared/api.js";
import { devicePublicKey, newDeviceKey, pinnedRoot, pinRoot } from "/static/shared/device_key.js";
import { endorsedUnder, keyFingerprint, shortFingerprint } from "/static/shared/directory.js";

export const $ = (id) => document.getElementById(id);

export function screens() {
  const sections = [...document.querySelectorAll("[data-screen]")];
  return (name) => {
    for (const section of sections) section.hidden = section.dataset.screen !== name;
    document.body.dataset.screen = name;
    const error = $("page-error");
    if (error && !error.dataset.sticky) error.textContent = "";
  };
}

export function element(tag, { text, key, className, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (key) { node.dataset.i18n = key; node.textContent = t(key); }
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

let endorsing = false;

// Whether a new enrollment waits for an administrator's endorsement (below): the page's own
// polling leaves the screen alone until it is done.
export const awaitingEndorsement = () => endorsing;

export function wireEnrollment(onDone) {
  $("enroll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("enroll-error").textContent = "";
    let enrolled;
    let publicKey;
    try {
      // The key pair first (kept in IndexedDB): the credential is bound to its public half.
      publicKey = await newDeviceKey();
      enrolled = await api("POST", "/api/devices/enroll", { code: $("enroll-code").value, public_key: publicKey });
      rememberDevice({ device: enrolled.device, kind: enrolled.kind, credential: enrolled.credential });
    } catch (error) {
      $("enroll-error").textContent = error instanceof ApiError ? error.text : t("errors.devices.invalid_device_key");
      return;
    }
    await endorsed(enrolled.device, publicKey, () => {});
    onDone(enrolled);
  });
}

const ENDORSEMENT_POLL_MS = 2_000;

async function endorsed(device, publicKey, onWait) {
  endorsing = true;
  try {
    await awaitEndorsement(device, publicKey, onWait);
  } finally {
    endorsing = false;
  }
}

// At a page's start: an enrolled device that pinned no root, where a directory is kept (its
// page was reloaded while it waited, or it enrolled before the directory existed), waits for
// its endorsement before it serves; ``onWait`` shows the enrollment screen then.
export async function finishEndorsement(device, onWait) {
  let publicKey = null;
  try {
    if ((await pinnedRoot()) !== null) return;
    publicKey = await devicePublicKey();
  } catch { /* no storage: nothing pinned, nothing to pin */ }
  if (publicKey) await endorsed(device, publicKey, onWait);
}

// Where administrators keep a key directory (shared/directory.js), a new enrollment waits for
// one of them to endorse this device's key: the screen shows the key's fingerprint to compare
// with the devices screen's; once endorsed (checked here, through the chain to the root), it
// shows the root's fingerprint, and the administrator confirms on this screen that it is the
// one her devices screen shows before the root is pinned. Without a directory: nothing to do.
async function awaitEndorsement(device, publicKey, onWait) {
  const box = $("endorsement");
  let directory;
  let waiting = false;
  for (;;) {
    try {
      directory = await api("GET", "/api/device/directory", undefined, { asDevice: true });
      $("endorsement-error").textContent = "";
    } catch (error) {
      if (error.status === 401) return;  // revoked or unknown: the page's own calls say so
      $("endorsement-error").textContent = error.text;
      directory = null;
    }
    if (directory && directory.keys.length === 0) return;  // no directory: trust on first use
    if (directory && directory.endorsement) break;
    if (!waiting) {
      waiting = true;
      onWait();
      $("enroll-form").hidden = true;
    }
    $("endorsement-text").textContent = t("enroll.endorsement.wait");
    $("endorsement-fingerprint").textContent = await shortFingerprint(publicKey);
    box.hidden = false;
    await new Promise((resolve) => setTimeout(resolve, ENDORSEMENT_POLL_MS));
  }
  box.hidden = false;
  const root = directory.keys.find((key) => key.root);
  const pin = root ? keyFingerprint(root.public_key) : null;
  const endorsement = { ...directory.endorsement, keys: directory.keys };
  if (!waiting) onWait();  // endorsed already (a reloaded page): the root is still to confirm
  $("enroll-form").hidden = true;
  if (!pin || !(await endorsedUnder(pin, device, publicKey, endorsement))) {
    $("endorsement-error").textContent = t("enroll.endorsement.invalid");
    return new Promise(() => {});  // stays here: an administrator enrolls it again
  }
  $("endorsement-text").textContent = t("enroll.endorsement.compare_root");
  $("endorsement-fingerprint").textContent = await shortFingerprint(root.public_key);
  const confirm = $("endorsement-continue");
  confirm.hidden = false;
  await new Promise((resolve) => confirm.addEventListener("click", resolve, { once: true }));
  await pinRoot(pin);
  box.hidden = true;
  confirm.hidden = true;
  $("enroll-form").hidden = false;
}

const SECOND_FACTOR_ASKED = new Set(["otp_required", "otp_invalid", "otp_enrollment_required"]);
const NEW_PASSWORD_ASKED = new Set(["password_change_required", "weak_password"]);

export function wireSignIn(onDone) {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    const otp = $("otp-field").hidden ? undefined : $("otp").value.trim();
    const newPassword = $("new-password-field").hidden ? undefined : $("new-password").value;
    try {
      const session = await signIn($("username").value, $("password").value, otp, newPassword);
      showSecondFactor(null);
      showNewPassword(false);
      onDone(session);
    } catch (error) {
      if (NEW_PASSWORD_ASKED.has(error.code)) showNewPassword(true);
      if (SECOND_FACTOR_ASKED.has(error.code)) showSecondFactor(error);
      $("signin-error").textContent = error.text;
    }
  });
}

// The new-password field while the account still holds a one-time password (kept, with what
// she typed, until the sign-in succeeds: a weak choice is refused and she tries another).
function showNewPassword(asked) {
  const field = $("new-password-field");
  if (asked && field.hidden) {
    field.hidden = false;
    $("new-password").focus();
  } else if (!asked) {
    field.hidden = true;
    $("new-password").value = "";
  }
}

// The code field when the server asks for it, with the key (text and QR code) to add to an
// authenticator app when the account has none yet; all hidden and emptied again after sign-in.
function showSecondFactor(error) {
  $("otp-field").hidden = error === null;
  $("otp").value = "";
  if (error === null || error.code === "otp_enrollment_required") {
    const enrollment = error === null ? null : error.details;
    $("otp-enrollment").hidden = enrollment === null;
    if (enrollment) $("otp-qr").src = enrollment.qr_svg; else $("otp-qr").removeAttribute("src");
    $("otp-secret").textContent = enrollment ? enrollment.secret : "";
  }
  if (error !== null) $("otp").focus();
}

export function clock(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${formatNumber(Math.floor(whole / 60))}:${formatNumber(whole % 60, { minimumIntegerDigits: 2 })}`;
}

export function localMidnight(day = new Date()) {
  return centreMidnight(day);
}

export { translate };
