// Small helpers the three apps share: screens, elements, enrollment and sign-in forms.

import { t, translate } from "/static/shared/i18n.js";
import { centreMidnight } from "/static/shared/centre_time.js";
import { api, rememberDevice, signIn } from "/static/shared/api.js";

export const $ = (id) => document.getElementById(id);

export function screens() {
  const sections = [...document.querySelectorAll("[data-screen]")];
  return (name) => {
    for (const section of sections) section.hidden = section.dataset.screen !== name;
    document.body.dataset.screen = name;
    const error = $("page-error");
    if (error) error.textContent = "";
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
      const enrolled = await api("POST", "/api/devices/enroll", { code: $("enroll-code").value });
      rememberDevice({ device: enrolled.device, kind: enrolled.kind, credential: enrolled.credential });
      onDone(enrolled);
    } catch (error) {
      $("enroll-error").textContent = error.text;
    }
  });
}

export function wireSignIn(onDone) {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    try {
      onDone(await signIn($("username").value, $("password").value));
    } catch (error) {
      $("signin-error").textContent = error.text;
    }
  });
}

export function clock(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function localMidnight(day = new Date()) {
  return centreMidnight(day);
}

export { translate };
