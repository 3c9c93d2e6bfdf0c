// Small helpers the three apps share: screens, elements, enrollment and sign-in forms.

import { t, translate, formatNumber } from "/static/shared/i18n.js";
import { centreMidnight } from "/static/shared/centre_time.js";
import { api, ApiError, rememberDevice, signIn } from "/static/shared/api.js";
import { newDeviceKey } from "/static/shared/device_key.js";

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

export function wireEnrollment(onDone) {
  $("enroll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("enroll-error").textContent = "";
    try {
      // The key pair first (kept in IndexedDB): the credential is bound to its public half.
      const publicKey = await newDeviceKey();
      const enrolled = await api("POST", "/api/devices/enroll", { code: $("enroll-code").value, public_key: publicKey });
      rememberDevice({ device: enrolled.device, kind: enrolled.kind, credential: enrolled.credential });
      onDone(enrolled);
    } catch (error) {
      $("enroll-error").textContent = error instanceof ApiError ? error.text : t("errors.devices.invalid_device_key");
    }
  });
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
