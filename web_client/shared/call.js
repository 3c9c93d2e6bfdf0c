// One seat's connection to its audience room: Socket.IO signalling (docs/PROTOCOL.md) and one
// RTCPeerConnection to the media server. Reconnects on its own: Socket.IO retries the
// transport, the seat comes back with its resume token, and media is negotiated again. Every
// connect proves the device's key afresh: a copied token or credential seats nobody.

import { io } from "/vendor/socket.io.esm.min.js";
import { seatProof } from "/static/shared/api.js";
import { EndToEnd } from "/static/shared/e2ee.js";

const GATHER_TIMEOUT_MS = 3000;
const ACK_WAIT_MS = 2000;  // after "ended", how long the answers of requests in flight are awaited
// Refusals that a retry cannot fix; anything else is worth another try.
export const FINAL_REFUSALS = new Set([
  "token_reused", "token_expired", "token_wrong_role", "token_wrong_room", "token_bad_signature",
  "token_malformed", "not_permitted", "unknown_room", "device_revoked", "proof_required",
  "e2ee_unsupported",
]);  // proof_invalid is retried: a clock learned anew from the next answer signs the next proof

export class AudienceCall extends EventTarget {
  constructor(namespace, joinToken, localStream) {
    super();
    this.namespace = namespace;
    this.token = joinToken;
    this.localStream = localStream;
    this.remoteStream = new MediaStream();
    this.pc = null;
    this.room = null;
    this.serverOffsetMs = 0;
    this.closed = false;
    this.pending = new Set();  // requests still waiting for their acknowledgement
    this.voiceOnly = false;  // no video leaves this seat (its sender carries no track)
    // Frames sealed end to end (shared/e2ee.js); null where a transition setting lets a
    // browser without the Encoded Transform API in, in clear.
    this.e2ee = null;
  }

  encryptEndToEnd() {
    this.e2ee = new EndToEnd(this.namespace.slice(1));
    this.e2ee.addEventListener("key", (event) => this.emitEvent("e2ee_key", event.detail));
    this.e2ee.addEventListener("security", (event) => this.emitEvent("security", event.detail));
    return this.e2ee;
  }

  // Voice only: the video sender stops (replaceTrack(null)), here and in every later
  // negotiation; the server is told by the caller (the booth's "voice_only" event).
  async sendVideo(on) {
    this.voiceOnly = !on;
    await this.applyVideoChoice();
  }

  async applyVideoChoice() {
    if (!this.videoSender) return;
    const video = this.localStream.getVideoTracks()[0] || null;
    await this.videoSender.replaceTrack(this.voiceOnly ? null : video);
  }

  emitEvent(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  connect() {
    this.socket = io(this.namespace, {
      // Called by Socket.IO before each connect and reconnect: a new proof every time.
      auth: (send) => {
        seatProof(this.namespace).then(
          (proof) => send({ token: this.token, e2ee: this.e2ee !== null, ...proof }),
          () => send({ token: this.token, e2ee: this.e2ee !== null }),
        );
      },
      transports: ["websocket"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
    });
    const socket = this.socket;
    socket.on("session", (session) => {
      this.token = session.resume_token;  // from now on the seat comes back with this one
      this.room = session.room;
      this.iceServers = session.ice_servers || [];
      this.serverOffsetMs = Date.parse(session.server_time) - Date.now();
      this.emitEvent("connected", session);
      if (this.e2ee) this.e2ee.start(socket, session.room).catch((error) => this.emitEvent("failure", { code: "e2ee", error }));
      this.negotiate().catch((error) => this.emitEvent("failure", { code: "media", error }));
    });
    socket.on("e2ee_share", (share) => {
      if (this.e2ee) this.e2ee.received(share).catch((error) => this.emitEvent("failure", { code: "e2ee", error }));
    });
    socket.on("room_state", (state) => this.emitEvent("state", state));
    socket.on("admitted", (state) => this.emitEvent("state", state));
    socket.on("warning", (warning) => this.emitEvent("warning", warning));
    socket.on("queue", (queue) => this.emitEvent("queue", queue));
    socket.on("ended", (ended) => {
      // The server pushes "ended" before it acknowledges the "end" that caused it: close only
      // once every request sent has its answer, or the office's own "end" would fail.
      this.emitEvent("ended", ended);
      this.closeWhenAnswered();
    });
    socket.on("disconnect", (reason) => {
      if (!this.closed) this.emitEvent("reconnecting", { reason });
    });
    socket.on("connect_error", (error) => {
      const body = error.data || { code: error.message, message_key: "errors.network" };
      if (!socket.active && !this.closed) {
        // Refused by the server (not a transport failure): retry only what can succeed.
        if (FINAL_REFUSALS.has(body.code)) this.emitEvent("refused", body);
        else setTimeout(() => !this.closed && socket.connect(), 3000);
      }
      this.emitEvent("connect_error", body);
    });
  }

  async request(event, payload = {}) {
    const sent = this.socket.timeout(10000).emitWithAck(event, payload);
    this.pending.add(sent);
    let answer;
    try {
      answer = await sent;
    } finally {
      this.pending.delete(sent);
    }
    if (!answer.ok) throw Object.assign(new Error(answer.error.code), answer.error);
    return answer;
  }

  closeWhenAnswered() {
    const answered = Promise.allSettled([...this.pending]);
    const atMost = new Promise((resolve) => setTimeout(resolve, ACK_WAIT_MS));
    Promise.race([answered, atMost]).then(() => this.close());
  }

  async negotiate() {
    if (this.pc) this.pc.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    for (const track of this.localStream.getTracks()) {
      const sender = pc.addTrack(track, this.localStream);
      if (track.kind === "video") this.videoSender = sender;
    }
    if (this.voiceOnly) await this.applyVideoChoice();
    if (this.e2ee) this.e2ee.protect(pc);
    pc.ontrack = (event) => {
      for (const old of this.remoteStream.getTracks()) {
        if (old.kind === event.track.kind) this.remoteStream.removeTrack(old);
      }
      this.remoteStream.addTrack(event.track);
      this.emitEvent("remote", this.remoteStream);
    };
    pc.onconnectionstatechange = () => this.emitEvent("media", pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await this.request("offer", { sdp: pc.localDescription.sdp });
    if (this.pc !== pc) return;  // a newer negotiation took over
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  }

  async roundTripMs() {
    if (!this.pc) return null;
    const stats = await this.pc.getStats();
    for (const report of stats.values()) {
      if (report.type === "candidate-pair" && report.nominated && report.currentRoundTripTime !== undefined) {
        return Math.round(report.currentRoundTripTime * 1000);
      }
    }
    return null;
  }

  serverNow() {
    return Date.now() + this.serverOffsetMs;
  }

  close() {
    this.closed = true;
    if (this.pc) this.pc.close();
    if (this.e2ee) this.e2ee.close();
    if (this.socket) this.socket.disconnect();
  }
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, GATHER_TIMEOUT_MS);
  });
}

// Whether a <video> is really playing: it has a size and its clock moves.
export function watchPlaying(video, onChange) {
  let last = -1;
  return setInterval(() => {
    const playing = video.videoWidth > 0 && video.currentTime > last;
    last = video.currentTime;
    onChange(playing);
  }, 1000);
}
