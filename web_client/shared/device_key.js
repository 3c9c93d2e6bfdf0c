// The device's key: an ECDSA P-256 key pair made once, at enrollment, whose private half is
// not extractable (a script of this page can sign with it, nobody can read it out) and is kept
// in IndexedDB. Every call of the device carries a fresh proof signed with it (docs/API.md,
// "Device proofs"), so the credential string in localStorage is useless anywhere else.

const DATABASE = "majlis.device";
const STORE = "keys";
const ENTRY = "device";
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING = { name: "ECDSA", hash: "SHA-256" };

let cached = null;  // the CryptoKeyPair, once read

function database(name) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(name, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

// One transaction on the key store of database ``name`` (this device's, unless another is
// named: an administrator's browser keeps its directory key apart, shared/directory.js).
export async function inStore(mode, action, name = DATABASE) {
  const db = await database(name);
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function unbase64url(text) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// A new key pair, kept in place of any earlier one; its public key as the server takes it.
// A new enrollment also forgets the peers' pinned keys and the directory's root (below): trust
// starts afresh with it.
export async function newDeviceKey() {
  const keys = await crypto.subtle.generateKey(ALGORITHM, false, ["sign", "verify"]);
  await inStore("readwrite", (store) => {
    store.clear();
    return store.put(keys, ENTRY);
  });
  cached = keys;
  return publicJwk(keys);
}

// A key pair's public half as the server takes it (the JWK's EC fields).
export async function publicJwk(keys) {
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  return { kty, crv, x, y };
}

// The device keys of the other ends of audiences, pinned the first time this device met each
// (shared/e2ee.js): "<device name>" → "<x>.<y>" of its public key, or null if never met.
const PIN = (device) => `pin:${device}`;

export async function pinnedPeerKey(device) {
  return (await inStore("readonly", (store) => store.get(PIN(device)))) ?? null;
}

export async function pinPeerKey(device, fingerprint) {
  await inStore("readwrite", (store) => store.put(fingerprint, PIN(device)));
}

// The root of the administrators' key directory this device trusts (shared/directory.js):
// "<x>.<y>" of its public key, pinned once an administrator endorsed this device's key and
// saw the root's fingerprint on its screen; null: none (trust on first use).
const ROOT = "directory-root";

export async function pinnedRoot() {
  return (await inStore("readonly", (store) => store.get(ROOT))) ?? null;
}

export async function pinRoot(fingerprint) {
  await inStore("readwrite", (store) => store.put(fingerprint, ROOT));
}

// This device's key pair (read once from IndexedDB), or null.
async function loaded() {
  cached = cached || await inStore("readonly", (store) => store.get(ENTRY)) || null;
  return cached;
}

// The public half of this device's key (JWK), or null when this browser holds no key.
export async function devicePublicKey() {
  return (await loaded()) ? publicJwk(cached) : null;
}

export async function forgetDeviceKey() {
  cached = null;
  await inStore("readwrite", (store) => store.delete(ENTRY));
}

// The proof for one call: {htm, htu, iat, jti} signed with the private key (raw r‖s), or null
// when this browser holds no key.
export async function deviceProof(method, path, nowMs) {
  if (!await loaded()) return null;
  const target = new URL(path, location.origin);  // as fetch sends it: path and query
  const claims = {
    htm: method,
    htu: target.pathname + target.search,
    iat: Math.floor(nowMs / 1000),
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  const payload = base64url(new TextEncoder().encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(SIGNING, cached.privateKey, new TextEncoder().encode(payload));
  return `${payload}.${base64url(signature)}`;
}

// The device key's signature (raw r‖s) over bytes, or null when this browser holds no key:
// the audience's key shares are signed with it (shared/e2ee.js).
export async function signWithDeviceKey(bytes) {
  if (!await loaded()) return null;
  return crypto.subtle.sign(SIGNING, cached.privateKey, bytes);
}
