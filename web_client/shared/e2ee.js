// End-to-end encryption of one audience (docs/SECURITY.md): the booth and the office agree a
// frame key that the server never holds, and every encoded frame is sealed in a worker
// (e2ee_worker.js) through the WebRTC Encoded Transform API.
//
// Key agreement: on every connect each side makes a fresh ECDH P-256 key pair and sends its
// public half, signed with its device key, in an "e2ee_share" event (an offer); the server
// relays it to the other seat with the public key that device registered at enrollment, and
// stores nothing. A side that gets an offer answers with a fresh share of its own that names
// the offer it answers; both then hold ECDH(mine, theirs) and the transcript hash of the two
// shares, from which HKDF makes the AES-GCM frame key, its key id and the verification code
// both screens show. An answer is taken only for the side's latest offer (a reconnect makes a
// new one; an answer to an older offer would pair the wrong key halves), and when both sides
// offer at once (both reconnect, or a reconnect meets the office's rotation) the office's
// offer wins: the booth withdraws its own when it answers the office's.
// A share whose signature the peer's registered key does not verify is refused: no key, no
// picture, a security error. The registered key comes from the server, so it is pinned: the
// first key seen for a peer device is kept (IndexedDB), and a later share of that device under
// another key is refused (e2ee_peer_key_changed) — a server that swaps the key and the
// signature together under the device's own name is caught at every device that met the real
// one. Under a new name it is a first contact, which the office's screen says: the spoken
// verification code is then the check. Where administrators keep a key directory
// (shared/directory.js) that gap is closed: a device that pinned the directory's root at
// enrollment takes a share only under a key an administrator's browser endorsed for that very
// device name, which the server cannot forge, first contact or not (docs/SECURITY.md).

import {
  base64url, pinnedPeerKey, pinnedRoot, pinPeerKey, signWithDeviceKey, unbase64url,
} from "/static/shared/device_key.js";
import { endorsedUnder } from "/static/shared/directory.js";

const ECDH = { name: "ECDH", namedCurve: "P-256" };
const VERIFYING = { name: "ECDSA", hash: "SHA-256" };
const CONTEXT = "majlis-e2ee-v1";
const GRACE_MS = 10_000;  // an old key still opens frames this long after a new one
const RESPONDER_DELAY_MS = 1_000;  // the answering side seals under a new key once the other has it
// Frames of the other end that keep arriving this long without one opening: no shared key
// (a share refused on the way, or never answered), a security error rather than a wait.
const AGREEMENT_TIMEOUT_MS = 20_000;
const WATCH_MS = 1_000;
const ROTATE_MS = 5 * 60_000;  // the office starts a new agreement this often (a fresh key)
const DEVICE_NAME = /^([a-z0-9_-]{1,32}\/)?[a-z0-9][a-z0-9-]{0,31}$/;  // "office-1", "<centre>/booth-2" (enrollment's names)

export function e2eeSupported() {
  return typeof RTCRtpScriptTransform === "function";
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
    this.offered = null;  // our latest offer's key pair, until it is answered or withdrawn
    this.steps = Promise.resolve();  // shares are made and taken one at a time, in order
    this.code = null;
    this.keyId = null;
    this.mediaSince = null;  // when the latest peer connection connected (tests measure from it)
    this.failed = null;
    this.watch = null;
    this.seen = { opened: 0, unopened: 0 };
    this.unopenedSince = null;
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
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") this.mediaSince = Date.now();
    });
  }

  // One step of the agreement after the other: the order of the shares sent is the order in
  // which the peer takes them (the glare rule above depends on it).
  serially(step) {
    const run = this.steps.then(step);
    this.steps = run.catch(() => {});
    return run;
  }

  // A new connect: a fresh offer to the peer (the old key stays until the new one is agreed).
  async start(socket, room) {
    this.socket = socket;
    this.room = room;
    await this.serially(() => this.sendShare(null));
    clearInterval(this.rotation);
    if (this.side === "office") {
      // A rotation that fails (the socket down) keeps the current key: the next one retries.
      const rotate = () => this.failed || this.serially(() => this.sendShare(null)).catch(() => {});
      this.rotation = setInterval(rotate, ROTATE_MS);
    }
    if (this.watch === null) this.watch = setInterval(() => this.watchFrames(), WATCH_MS);
  }

  // A fresh key pair's share: an offer (answers null), or the answer to the peer's offer
  // whose public key ``answers`` is. Returns the pair.
  async sendShare(answers) {
    const pair = await crypto.subtle.generateKey(ECDH, false, ["deriveBits"]);
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const mine = { privateKey: pair.privateKey, publicRaw, public: base64url(publicRaw), used: false };
    const signature = await signWithDeviceKey(signedShare(this.room, this.side, publicRaw));
    if (answers === null) this.offered = mine;
    else if (this.side === "booth") this.offered = null;  // both offered: the office's wins
    this.socket.emit("e2ee_share", {
      public: mine.public,
      signature: signature ? base64url(signature) : "",
      reply: answers !== null,
      answers: answers ?? "",
    });
    return mine;
  }

  // A share relayed from the peer: {public, signature, reply, answers, device_key}
  // (device_key: the JWK the peer's device registered at enrollment, added by the server).
  received(share) {
    return this.serially(() => this.take(share));
  }

  async take(share) {
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
    const trust = await this.trusted(share);
    if (trust !== "ok") {
      this.fail(trust);
      return;
    }
    if (!share.reply) {
      await this.derive(await this.sendShare(share.public), peerRaw, RESPONDER_DELAY_MS);
      return;
    }
    const offered = this.offered;
    // An answer to an offer we no longer stand by (an earlier connect's, or one withdrawn)
    // would pair the wrong halves: the answer to the latest one follows.
    if (offered === null || share.answers !== offered.public) return;
    this.offered = null;
    await this.derive(offered, peerRaw, 0);
  }

  // "ok", or the security error: on a device that pinned the administrators' directory root
  // the peer's key must be endorsed under its name through a chain from that root (the server
  // cannot make one); on a device without a root (an installation without a directory), the
  // key must be the one pinned when this device first met the peer.
  async trusted(share) {
    if (typeof share.device !== "string" || !DEVICE_NAME.test(share.device)) return "e2ee_peer_key_changed";
    // A booth's name has its centre ("<centre>/booth-1"), an office terminal's has none: a
    // booth's key, endorsed or pinned, never stands for the office, nor the office's for a booth.
    if (share.device.includes("/") !== (this.peerSide === "booth")) return "e2ee_peer_unverified";
    let root = null;
    try {
      root = await pinnedRoot();
    } catch { /* no storage: no root */ }
    if (root === null) return (await this.pinned(share)) ? "ok" : "e2ee_peer_key_changed";
    this.firstContact = false;
    const endorsed = await endorsedUnder(root, share.device, share.device_key, share.endorsement);
    return endorsed ? "ok" : "e2ee_peer_not_endorsed";
  }

  // The peer device's key is the one pinned when this device first met it (pinned now if
  // never met: "first contact", which the office's screen says, so the code is read aloud).
  // The name must be a device name as enrolment makes them (no blank, no variant of a known
  // one); the key is compared as its bytes, not as the text the server sent. A device
  // without storage (a private window) pins for the page's life only.
  async pinned(share) {
    const device = share.device;
    const canonical = (part) => base64url(unbase64url(String(part)));
    const fingerprint = `${canonical(share.device_key.x)}.${canonical(share.device_key.y)}`;
    let known;
    try {
      known = await pinnedPeerKey(device);
      if (known === null) await pinPeerKey(device, fingerprint);
    } catch {
      this.pins = this.pins || new Map();
      known = this.pins.get(device) ?? null;
      if (known === null) this.pins.set(device, fingerprint);
    }
    this.firstContact = known === null;
    return known === null || known === fingerprint;
  }

  async derive(mine, peerRaw, sendAfterMs) {
    // One key per key pair of ours: a replayed answer must never restart a key's counters.
    if (mine.used) return;
    mine.used = true;
    const peerKey = await crypto.subtle.importKey("raw", peerRaw, ECDH, false, []);
    const secret = await crypto.subtle.deriveBits({ name: "ECDH", public: peerKey }, mine.privateKey, 256);
    const [boothRaw, officeRaw] = this.side === "booth" ? [mine.publicRaw, peerRaw] : [peerRaw, mine.publicRaw];
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
    const firstContact = Boolean(this.firstContact);
    this.dispatchEvent(new CustomEvent("key", { detail: { keyId: this.keyId, code: this.code, firstContact } }));
  }

  // The proof of a shared key is a frame of the other end that opens. Only frames that arrive
  // and do not open count against it, and only while they keep arriving: nothing arrives in
  // the lobby, in a pause or while the other end is away (a reloaded booth, whose frames
  // under the newest key may never have come), and that is no reason to give up.
  watchFrames() {
    const opened = this.counts.decrypted ?? 0;
    const unopened = (this.counts.dropped ?? 0) + (this.counts.failed ?? 0);
    if (opened > this.seen.opened || unopened === this.seen.unopened) {
      this.unopenedSince = null;
    } else if (this.unopenedSince === null) {
      this.unopenedSince = Date.now();
    } else if (Date.now() - this.unopenedSince >= AGREEMENT_TIMEOUT_MS) {
      this.fail("e2ee_no_key");
    }
    this.seen = { opened, unopened };
  }

  fail(code) {
    this.failed = code;
    clearInterval(this.watch);
    this.dispatchEvent(new CustomEvent("security", { detail: { code, message_key: `errors.e2ee.${code}` } }));
  }

  close() {
    clearInterval(this.watch);
    clearInterval(this.rotation);
    this.worker.terminate();
  }
}
