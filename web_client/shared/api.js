// The HTTP JSON API: staff session cookie + CSRF header, or an enrolled device's credential
// with a fresh proof of its key. Errors become ApiError {status, code, message_key, details}.

import { t } from "/static/shared/i18n.js";
import { deviceProof, forgetDeviceKey } from "/static/shared/device_key.js";

const CREDENTIAL_KEY = "majlis.device";
const PROOF_HEADER = "Majlis-Proof";
// Refusals after which the device must enroll again.
export const DEVICE_REFUSALS = new Set(["proof_required", "device_revoked"]);
let csrfToken = sessionStorage.getItem("majlis.csrf") || "";
let serverOffsetMs = 0;  // the server's clock minus ours, from each answer's Date header

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
  forgetDeviceKey().catch(() => {});
}

async function send(method, path, body, asDevice) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const device = asDevice ? deviceIdentity() : null;
  if (device) {
    headers.Authorization = `Bearer ${device.credential}`;
    const proof = await deviceProof(method, path, Date.now() + serverOffsetMs).catch(() => null);
    if (proof) headers[PROOF_HEADER] = proof;
  }
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network", message_key: "errors.network" });
  }
  const serverTime = Date.parse(response.headers.get("Date") || "");
  if (!Number.isNaN(serverTime)) serverOffsetMs = serverTime - Date.now();
  return response;
}

// What a seat of this device adds to its Socket.IO auth at every connect and reconnect: its
// credential and a fresh proof signed for CONNECT /socket.io<namespace> (docs/PROTOCOL.md,
// "Connecting"); nothing on a browser that is no enrolled device.
export async function seatProof(namespace) {
  const device = deviceIdentity();
  if (!device) return {};
  const proof = await deviceProof("CONNECT", `/socket.io${namespace}`, Date.now() + serverOffsetMs).catch(() => null);
  return proof ? { credential: device.credential, proof } : { credential: device.credential };
}

export async function api(method, path, body = undefined, { asDevice = false } = {}) {
  let response = await send(method, path, body, asDevice);
  let data = await response.json().catch(() => ({}));
  if (asDevice && response.status === 401 && data.code === "proof_invalid") {
    // A kiosk whose clock is off: this answer's Date has set the offset; prove once more.
    response = await send(method, path, body, asDevice);
    data = await response.json().catch(() => ({}));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Admins and supervisors add the code of their authenticator (otp) once the server asks.
// A one-time password is replaced at the first sign-in (new_password) once the server asks.
export async function signIn(username, password, otp = undefined, newPassword = undefined) {
  const body = { username, password };
  if (otp !== undefined) body.otp = otp;
  if (newPassword !== undefined) body.new_password = newPassword;
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
