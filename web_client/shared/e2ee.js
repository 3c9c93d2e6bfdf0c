// End-to-end encryption of one audience (docs/SECURITY.md): the booth and the office agree a
// frame key that the server never holds, and every encoded frame is sealed in a worker
// (e2ee_worker.js) through the WebRTC Encoded Transform API.
//
// Key agreement: on every connect each side makes a fresh ECDH P-256 key pair and sends its
// public half, signed with its device key, in an "e2ee_share" event; the server relays it to
// the other seat with the public key that device registered at enrollment, and stores
// nothing. A side that gets a first share ("reply" false) answers with a fresh share of its
// own; both then hold ECDH(mine, theirs) and the transcript hash of the two shares, from which
// HKDF makes the AES-GCM frame key, its key id and the verification code both screens show.
// A share whose signature the peer's registered key does not verify is refused: no key, no
// picture, a security error — the server can substitute a share only by enrolling the device
// anew, which the audit log shows.

import { signWithDeviceKey } from "/static/shared/device_key.js";

const ECDH = { name: "ECDH", namedCurve: "P-256" };
const VERIFYING = { name: "ECDSA", hash: "SHA-256" };
const CONTEXT = "majlis-e2ee-v1";
const GRACE_MS = 10_000;  // an old key still opens frames this long after a new one
const RESPONDER_DELAY_MS = 1_000;  // the answering side seals under a new key once the other has it
const AGREEMENT_TIMEOUT_MS = 20_000;  // no confirmed key by then: a security error, not a wait
const ROTATE_MS = 5 * 60_000;  // the office starts a new agreement this often (a fresh key)

export function e2eeSupported() {
  return typeof RTCRtpScriptTransform === "function";
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function unbase64url(text) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const encode = (text) => new TextEncoder().encode(text);

// What a side signs: the context, the room and its own role, and its ECDH public key.
function signedShare(room, side, publicRaw) {
  return concat(encode(`${CONTEXT}|${room}|${side}|`), publicRaw);
}

export class EndToEnd extends EventTarget {
  constructor(side) {
    super();
    this.side = side;
    this.peerSide = side === "booth" ? "office" : "booth";
    this.worker = new Worker("/static/shared/e2ee_worker.js");
    this.worker.postMessage({ type: "side", side });
    this.counts = {};
    this.worker.onmessage = ({ data }) => {
      if (data.type === "counts") this.counts = data;
    };
    this.pair = null;
    this.code = null;
    this.keyId = null;
    this.failed = null;
    this.timer = null;
    this.rotation = null;
  }

  // Whether frames may go out in clear before any key (the booth's device check only, which
  // the server must see to judge the picture).
  allowClear(allowed) {
    this.worker.postMessage({ type: "clear", allowed });
  }

  // Every sender seals, every receiver opens: set on each new peer connection's transceivers.
  protect(pc) {
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      transceiver.sender.transform = new RTCRtpScriptTransform(this.worker, { operation: "encrypt", kind });
      transceiver.receiver.transform = new RTCRtpScriptTransform(this.worker, { operation: "decrypt", kind });
    }
  }

  // A new connect: a fresh share to the peer (the old key stays until the new one is agreed).
  async start(socket, room) {
    this.socket = socket;
    this.room = room;
    await this.sendShare(false);
    clearInterval(this.rotation);
    if (this.side === "office") {
      this.rotation = setInterval(() => this.failed || this.sendShare(false), ROTATE_MS);
    }
    clearTimeout(this.timer);
    if (this.keyId === null) {
      this.timer = setTimeout(() => this.keyId === null && this.fail("e2ee_no_key"), AGREEMENT_TIMEOUT_MS);
    }
  }

  async sendShare(reply) {
    const pair = await crypto.subtle.generateKey(ECDH, false, ["deriveBits"]);
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    this.pair = { ...pair, publicRaw };
    const signature = await signWithDeviceKey(signedShare(this.room, this.side, publicRaw));
    this.socket.emit("e2ee_share", {
      public: base64url(publicRaw),
      signature: signature ? base64url(signature) : "",
      reply,
    });
  }

  // A share relayed from the peer: {public, signature, reply, device_key} (device_key: the JWK
  // the peer's device registered at enrollment, added by the server).
  async received(share) {
    if (this.failed) return;
    let peerRaw;
    try {
      peerRaw = unbase64url(share.public);
      if (!share.device_key || !share.signature) throw new Error("unsigned share");
      const deviceKey = await crypto.subtle.importKey(
        "jwk", { kty: "EC", crv: "P-256", x: share.device_key.x, y: share.device_key.y },
        { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"],
      );
      const genuine = await crypto.subtle.verify(
        VERIFYING, deviceKey, unbase64url(share.signature), signedShare(this.room, this.peerSide, peerRaw),
      );
      if (!genuine) throw new Error("bad signature");
    } catch {
      this.fail("e2ee_peer_unverified");
      return;
    }
    if (!share.reply) await this.sendShare(true);
    await this.derive(peerRaw, share.reply ? 0 : RESPONDER_DELAY_MS);
  }

  async derive(peerRaw, sendAfterMs) {
    // One key per key pair of ours: a replayed reply must never restart a key's counters.
    if (this.pair.used) return;
    this.pair.used = true;
    const peerKey = await crypto.subtle.importKey("raw", peerRaw, ECDH, false, []);
    const secret = await crypto.subtle.deriveBits({ name: "ECDH", public: peerKey }, this.pair.privateKey, 256);
    const [boothRaw, officeRaw] = this.side === "booth" ? [this.pair.publicRaw, peerRaw] : [peerRaw, this.pair.publicRaw];
    const transcript = new Uint8Array(await crypto.subtle.digest(
      "SHA-256", concat(encode(`${CONTEXT}|${this.room}|`), boothRaw, officeRaw),
    ));
    const material = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: transcript, info: encode(`${CONTEXT} frame key`) },
      material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"],
    );
    this.keyId = 1 + (transcript[0] % 255);  // 0 is the worker's own, shared with nobody
    const number = new DataView(transcript.buffer).getUint32(1) % 1_000_000;
    this.code = String(number).padStart(6, "0");
    this.worker.postMessage({ type: "key", key, keyId: this.keyId, sendAfterMs, graceMs: GRACE_MS });
    // A key is confirmed by the first frame of the other end that opens under it: an end whose
    // share the other refused (a substitution on the way) holds a key nobody shares.
    // Only frames that arrive and do not open count against it: nothing arrives in a pause.
    this.confirm(this.keyId, this.counts.dropped ?? 0);
    this.dispatchEvent(new CustomEvent("key", { detail: { keyId: this.keyId, code: this.code } }));
  }

  confirm(keyId, droppedBefore) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.keyId !== keyId || this.counts.receivedKeyId === keyId) return;
      if ((this.counts.dropped ?? 0) > droppedBefore) this.fail("e2ee_no_key");
      else this.confirm(keyId, droppedBefore);
    }, AGREEMENT_TIMEOUT_MS);
  }

  fail(code) {
    this.failed = code;
    clearTimeout(this.timer);
    this.dispatchEvent(new CustomEvent("security", { detail: { code, message_key: `errors.e2ee.${code}` } }));
  }

  close() {
    clearTimeout(this.timer);
    clearInterval(this.rotation);
    this.worker.terminate();
  }
}
