// End-to-end frame encryption (docs/SECURITY.md, "Frame format"): the worker behind every
// RTCRtpScriptTransform of one call. Each encoded frame is sealed with AES-GCM under the key
// the two ends agreed (e2ee.js); the media server forwards what it cannot read.
//
//   frame = clear header ‖ AES-GCM(payload, aad = clear header) ‖ IV (12) ‖ key id (1)
//
// Left clear is only what forwarding needs: the VP8 payload header the server and the
// receiver's depacketizer read (10 bytes of a keyframe: P bit, size; 3 of a delta frame) and
// Opus's TOC byte. The IV is sender (1) ‖ kind (1) ‖ 0 (2) ‖ frame counter (8): the two ends
// share a key but never a sender byte, and a counter never restarts under one key (a key lives
// in one worker, and every reconnect agrees a new one), so no IV repeats under a key.

const TRAILER = 13;  // IV (12) and key id (1)
const TAG = 16;
const SENDERS = { booth: 1, office: 2 };
const KINDS = { audio: 1, video: 2 };

// The keys this end holds, newest first: { keyId, key, serial, counters }. Two keys may share
// a key id (1 in 255 for two agreements): a receiver tries each in turn, newest first.
let keys = [];
let serials = 0;  // this worker's own numbering of the keys it was given, in order
// Before the two ends hold a key, frames still leave (the server drops a seat whose media
// goes silent for a few seconds), sealed under a key made here and never shared: key id 0,
// which no agreed key takes (e2ee.js), so receivers drop them unread.
const WITHHELD_KEY_ID = 0;
const withheld = crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"])
  .then((key) => ({ keyId: WITHHELD_KEY_ID, key, serial: 0, counters: { audio: 0n, video: 0n } }));
let sending = null;
let newest = null;  // a key whose switch is delayed never overtakes a newer one
let sender = 0;
let clearAllowed = false;  // the booth's device check, before any key: the server reads it
let pictureSerial = 0;
const counts = {
  encrypted: 0, withheld: 0, clear: 0, decrypted: 0, dropped: 0, failed: 0, keyId: null, receivedKeyId: null,
  // The newest key a video frame of the other end opened under, and since when (ms since the
  // epoch): the picture's key, which a rotation changes.
  pictureKeyId: null, pictureSerial: null, pictureSince: null,
};

onmessage = ({ data: message }) => {
  if (message.type === "side") sender = SENDERS[message.side];
  if (message.type === "clear") clearAllowed = message.allowed;
  if (message.type === "key") {
    serials += 1;
    const entry = { keyId: message.keyId, key: message.key, serial: serials, counters: { audio: 0n, video: 0n } };
    keys.unshift(entry);
    newest = entry;
    const send = () => {
      if (newest !== entry) return;
      sending = entry;
      counts.keyId = entry.keyId;
      // Older keys open frames still in flight a while, then go.
      setTimeout(() => { keys = keys.filter((k) => k.serial >= entry.serial); }, message.graceMs);
    };
    if (message.sendAfterMs > 0) setTimeout(send, message.sendAfterMs);
    else send();
  }
};

setInterval(() => postMessage({ type: "counts", ...counts }), 250);

onrtctransform = ({ transformer }) => {
  const { operation, kind } = transformer.options;
  const step = operation === "encrypt" ? encrypt : decrypt;
  transformer.readable
    .pipeThrough(new TransformStream({ transform: (frame, controller) => step(frame, controller, kind) }))
    .pipeTo(transformer.writable);
};

function clearLength(frame, kind) {
  if (kind === "audio") return 1;
  return frame.type === "key" ? 10 : 3;
}

async function encrypt(frame, controller, kind) {
  let entry = sending;
  if (!entry) {
    if (clearAllowed) {
      counts.clear += 1;
      controller.enqueue(frame);
      return;
    }
    counts.withheld += 1;
    entry = await withheld;
  } else {
    counts.encrypted += 1;
  }
  const data = new Uint8Array(frame.data);
  const clear = Math.min(clearLength(frame, kind), data.length);
  const iv = new Uint8Array(12);
  iv[0] = sender;
  iv[1] = KINDS[kind];
  new DataView(iv.buffer).setBigUint64(4, entry.counters[kind]);
  entry.counters[kind] += 1n;
  const header = data.subarray(0, clear);
  const sealed = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: header }, entry.key, data.subarray(clear),
  ));
  const out = new Uint8Array(clear + sealed.length + TRAILER);
  out.set(header);
  out.set(sealed, clear);
  out.set(iv, clear + sealed.length);
  out[out.length - 1] = entry.keyId;
  frame.data = out.buffer;
  controller.enqueue(frame);
}

async function decrypt(frame, controller, kind) {
  const data = new Uint8Array(frame.data);
  const keyId = data.length >= TAG + TRAILER ? data[data.length - 1] : WITHHELD_KEY_ID;
  const candidates = keys.filter((entry) => entry.keyId === keyId);
  if (candidates.length === 0) {
    counts.dropped += 1;  // no key (yet, or any more), or a frame that was never sealed
    return;
  }
  const end = data.length - TRAILER;
  const clear = Math.min(clearLength(frame, kind), end - TAG);
  const header = data.subarray(0, clear);
  for (const entry of candidates) {
    let plain;
    try {
      plain = new Uint8Array(await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: data.subarray(end, end + 12), additionalData: header },
        entry.key, data.subarray(clear, end),
      ));
    } catch {
      continue;  // sealed under another key with this id
    }
    const out = new Uint8Array(clear + plain.length);
    out.set(header);
    out.set(plain, clear);
    frame.data = out.buffer;
    counts.decrypted += 1;
    counts.receivedKeyId = keyId;
    if (kind === "video" && entry.serial > pictureSerial) {
      pictureSerial = entry.serial;
      Object.assign(counts, { pictureKeyId: keyId, pictureSerial, pictureSince: Date.now() });
    }
    controller.enqueue(frame);
    return;
  }
  counts.failed += 1;  // forged, damaged, or sealed under a key this end does not hold
}
