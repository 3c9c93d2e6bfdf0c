// The administrators' key directory (devices/directory.py, docs/SECURITY.md): what a trusted
// directory key signs, the short fingerprint people compare, and the check that a device key
// is endorsed through a chain of endorsements from the root a device pinned. An administrator's
// browser keeps its own directory key here too, apart from any device key.

import { base64url, inStore, publicJwk, unbase64url } from "/static/shared/device_key.js";

const CONTEXT = "majlis-directory-v1|";
const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING = { name: "ECDSA", hash: "SHA-256" };
const DATABASE = "majlis.directory";  // an administrator's browser: its directory key
const ENTRY = "directory";
const encode = (text) => new TextEncoder().encode(text);

// A JWK's point as WebCrypto's "raw" export: 0x04 ‖ x ‖ y (65 bytes), or a TypeError.
function pointOf(jwk) {
  const x = unbase64url(String(jwk.x));
  const y = unbase64url(String(jwk.y));
  if (x.length !== 32 || y.length !== 32) throw new TypeError("not a P-256 key");
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return point;
}

function withPoint(prefix, jwk) {
  const head = encode(prefix);
  const point = pointOf(jwk);
  const out = new Uint8Array(head.length + point.length);
  out.set(head);
  out.set(point, head.length);
  return out;
}

export const keyStatement = (jwk) => withPoint(`${CONTEXT}key|`, jwk);
export const deviceStatement = (device, jwk) => withPoint(`${CONTEXT}device|${device}|`, jwk);

// The key's identity as pins keep it: its coordinates re-encoded from their bytes.
export function keyFingerprint(jwk) {
  const point = pointOf(jwk);
  return `${base64url(point.slice(1, 33))}.${base64url(point.slice(33))}`;
}

// What people compare by eye: four groups of four digits from the SHA-256 of the point.
export async function shortFingerprint(jwk) {
  const digest = new DataView(await crypto.subtle.digest("SHA-256", pointOf(jwk)));
  const groups = [0, 1, 2, 3].map((i) => String(digest.getUint32(4 * i) % 10_000).padStart(4, "0"));
  return groups.join(" ");
}

const verifier = (jwk) => crypto.subtle.importKey(
  "jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, ECDSA, false, ["verify"],
);

async function verifies(jwk, signature, statement) {
  try {
    return await crypto.subtle.verify(SIGNING, await verifier(jwk), unbase64url(signature), statement);
  } catch {
    return false;
  }
}

// The keys of ``keys`` (as the server lists them: {id, public_key, endorsed_by, endorsement})
// that chain to ``root`` (a pinned keyFingerprint): id → JWK. The server's "root" and
// "endorsed_by" flags are only hints; every link is checked here.
export async function trustedKeys(keys, root) {
  const trusted = new Map();
  for (const key of keys) {
    try {
      if (keyFingerprint(key.public_key) === root) trusted.set(key.id, key.public_key);
    } catch { /* a malformed key trusts nothing */ }
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const key of keys) {
      const endorser = trusted.get(key.endorsed_by);
      if (trusted.has(key.id) || !endorser || typeof key.endorsement !== "string") continue;
      let statement;
      try { statement = keyStatement(key.public_key); } catch { continue; }
      if (await verifies(endorser, key.endorsement, statement)) {
        trusted.set(key.id, key.public_key);
        grew = true;
      }
    }
  }
  return trusted;
}

// Whether ``endorsement`` ({by, signature, keys}) endorses ``deviceKey`` under the name
// ``device`` with a key that chains to ``root``.
export async function endorsedUnder(root, device, deviceKey, endorsement) {
  if (!endorsement || typeof endorsement.signature !== "string" || !Array.isArray(endorsement.keys)) return false;
  const endorser = (await trustedKeys(endorsement.keys, root)).get(endorsement.by);
  if (!endorser) return false;
  let statement;
  try { statement = deviceStatement(device, deviceKey); } catch { return false; }
  return verifies(endorser, endorsement.signature, statement);
}

// -- an administrator's browser ------------------------------------------------------------------

// This browser's directory key pair, or null.
export async function browserDirectoryKey() {
  return (await inStore("readonly", (store) => store.get(ENTRY), DATABASE)) ?? null;
}

// A new directory key pair for this browser (non-extractable private half); its public JWK.
export async function newBrowserDirectoryKey() {
  const keys = await crypto.subtle.generateKey(ECDSA, false, ["sign", "verify"]);
  await inStore("readwrite", (store) => store.put(keys, ENTRY), DATABASE);
  return publicJwk(keys);
}

// The root this administrator's browser trusts (a keyFingerprint), or null: pinned when it made
// the root, or when she compared the root's fingerprint with a browser that pinned it. A chain
// from the root the server lists down to this browser's key proves nothing (the server can
// make a root and sign her public key with it); only this pin does.
const ROOT_ENTRY = "root";

export async function browserPinnedRoot() {
  return (await inStore("readonly", (store) => store.get(ROOT_ENTRY), DATABASE)) ?? null;
}

export async function pinBrowserRoot(fingerprint) {
  await inStore("readwrite", (store) => store.put(fingerprint, ROOT_ENTRY), DATABASE);
}

// This browser's signature (raw r‖s, base64url) over ``statement``.
export async function endorse(keys, statement) {
  return base64url(await crypto.subtle.sign(SIGNING, keys.privateKey, statement));
}
