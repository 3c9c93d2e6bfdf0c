// Each live booth's connection quality on the board (issue 16): the server's `quality` event
// (once a second per live room, to the desks of the booth's centre) says whether her video and
// sound are usable and each direction's frame rate and loss. The board's quality cell shows
// the last one — good, video poor or sound poor, with the booth video's frame rate and loss —
// updated in place; a booth with no sample for a while shows its heartbeat's round trip again.

import { t } from "/static/shared/i18n.js";
import { element } from "/static/shared/page.js";

const STALE_MS = 5000;
const latest = new Map();  // booth device → {payload, at}

export function listenForQuality(socket) {
  socket.on("quality", (payload) => {
    if (!payload || !payload.booth) return;
    latest.set(payload.booth, { payload, at: Date.now() });
    const cell = document.querySelector(`#board-rows tr[data-device="${CSS.escape(payload.booth)}"] .quality`);
    if (cell) cell.replaceChildren(...qualityParts(payload.booth, null));
  });
}

export function levelOf(payload) {
  if (!payload.audio_usable) return "poor_audio";
  if (!payload.video_usable) return "poor_video";
  return "good";
}

// The quality cell's content for a board row: the last sample, else the heartbeat's round trip.
export function qualityParts(device, roundTripMs) {
  const seen = latest.get(device);
  if (!seen || Date.now() - seen.at > STALE_MS) {
    return [document.createTextNode(roundTripMs === null ? "—" : t("desk.board.rtt", { count: roundTripMs }))];
  }
  const level = levelOf(seen.payload);
  const video = seen.payload.directions.find((d) => d.source === "booth" && d.kind === "video");
  const details = video
    ? [t("desk.quality.fps", { count: Math.round(video.fps || 0) }),
      t("desk.quality.loss", { count: Math.round(video.loss * 100) })].join(" · ")
    : "";
  return [
    element("span", {
      text: t(`desk.quality.${level}`),
      className: `badge quality-${level}`,
      attrs: { "data-quality": level, title: details },
    }),
    ...(details ? [element("small", { text: ` ${details}`, className: "quality-details" })] : []),
  ];
}

// An audience that is over keeps its quality with its appointment (GET
// /api/requests/{id}/appointments): one short line on the request page — good throughout, or
// poor for a share of the time — and whether she spoke in voice only for part of it.
export function keptQualityLine(quality) {
  const percent = Math.round(quality.poor_share * 100);
  const parts = [percent === 0 ? t("desk.request.quality_good") : t("desk.request.quality_poor", { count: percent })];
  if (quality.voice_only_seconds > 0) parts.push(t("desk.request.quality_voice_only"));
  return element("p", {
    text: parts.join(" · "),
    className: "kept-quality muted",
    attrs: { "data-poor-share": String(quality.poor_share) },
  });
}
