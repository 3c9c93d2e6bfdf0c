// The HTTP JSON API: staff session cookie + CSRF header, or an enrolled device's credential.
// Errors become ApiError {status, code, message_key, details}.

import { t } from "/static/shared/i18n.js";

const CREDENTIAL_KEY = "majlis.device";
let csrfToken = sessionStorage.getItem("majlis.csrf") || "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.code || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "internal";
    this.message_key = body.message_key || "errors.internal";
    this.details = body.details || "";
  }
  get text() { return t(this.message_key); }
}

export function deviceIdentity() {
  try { return JSON.parse(localStorage.getItem(CREDENTIAL_KEY) || "null"); } catch { return null; }
}

export function rememberDevice(identity) {
  localStorage.setItem(CREDENTIAL_KEY, JSON.stringify(identity));
}

export function forgetDevice() {
  localStorage.removeItem(CREDENTIAL_KEY);
}

export async function api(method, path, body = undefined, { asDevice = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const device = deviceIdentity();
  if (asDevice && device) headers.Authorization = `Bearer ${device.credential}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network", message_key: "errors.network" });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Admins and supervisors add the code of their authenticator (otp) once the server asks.
export async function signIn(username, password, otp = undefined) {
  const body = otp === undefined ? { username, password } : { username, password, otp };
  const session = await api("POST", "/api/session", body);
  csrfToken = session.csrf_token;
  sessionStorage.setItem("majlis.csrf", csrfToken);
  return session;
}

export async function whoAmI() {
  try {
    const session = await api("GET", "/api/session");
    csrfToken = session.csrf_token;
    sessionStorage.setItem("majlis.csrf", csrfToken);
    return session;
  } catch {
    return null;
  }
}

export async function signOut() {
  try { await api("DELETE", "/api/session"); } finally {
    csrfToken = "";
    sessionStorage.removeItem("majlis.csrf");
  }
}
