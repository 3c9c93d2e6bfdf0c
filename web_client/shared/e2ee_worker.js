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

const keys = new Map();  // key id -> { key: CryptoKey, counters: {audio, video} }
// Before the two ends hold a key, frames still leave (the server drops a seat whose media
// goes silent for a few seconds), sealed under a key made here and never shared: key id 0,
// which no agreed key takes (e2ee.js), so receivers drop them unread.
const WITHHELD_KEY_ID = 0;
const withheld = crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"])
  .then((key) => ({ key, counters: { audio: 0n, video: 0n } }));
let sendingKeyId = null;
let newestKeyId = null;  // a key whose switch is delayed never overtakes a newer one
let sender = 0;
let clearAllowed = false;  // the booth's device check, before any key: the server reads it
const counts = {
  encrypted: 0, withheld: 0, clear: 0, decrypted: 0, dropped: 0, failed: 0, keyId: null, receivedKeyId: null,
};

onmessage = ({ data: message }) => {
  if (message.type === "side") sender = SENDERS[message.side];
  if (message.type === "clear") clearAllowed = message.allowed;
  if (message.type === "key") {
    keys.set(message.keyId, { key: message.key, counters: { audio: 0n, video: 0n } });
    newestKeyId = message.keyId;
    const send = () => {
      if (newestKeyId !== message.keyId) return;
      const previous = sendingKeyId;
      sendingKeyId = message.keyId;
      counts.keyId = message.keyId;
      if (previous !== null && previous !== message.keyId) {
        setTimeout(() => sendingKeyId !== previous && keys.delete(previous), message.graceMs);
      }
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
  let keyId = sendingKeyId;
  let entry = keyId === null ? null : keys.get(keyId);
  if (!entry) {
    if (clearAllowed) {
      counts.clear += 1;
      controller.enqueue(frame);
      return;
    }
    counts.withheld += 1;
    keyId = WITHHELD_KEY_ID;
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
  out[out.length - 1] = keyId;
  frame.data = out.buffer;
  controller.enqueue(frame);
}

async function decrypt(frame, controller, kind) {
  const data = new Uint8Array(frame.data);
  const entry = data.length >= TAG + TRAILER ? keys.get(data[data.length - 1]) : undefined;
  if (!entry) {
    counts.dropped += 1;  // no key (yet, or any more), or a frame that was never sealed
    return;
  }
  const end = data.length - TRAILER;
  const clear = Math.min(clearLength(frame, kind), end - TAG);
  const header = data.subarray(0, clear);
  let plain;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: data.subarray(end, end + 12), additionalData: header },
      entry.key, data.subarray(clear, end),
    ));
  } catch {
    counts.failed += 1;  // forged, damaged, or sealed under another key with this id
    return;
  }
  const out = new Uint8Array(clear + plain.length);
  out.set(header);
  out.set(plain, clear);
  frame.data = out.buffer;
  counts.decrypted += 1;
  counts.receivedKeyId = data[data.length - 1];
  controller.enqueue(frame);
}
