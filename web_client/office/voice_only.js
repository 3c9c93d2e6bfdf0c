// The office while the applicant chose voice only: a clear placeholder with her initial
// instead of her picture (her voice still plays). It follows the room's state only: the office
// has no control that could turn her camera on.

import { $ } from "/static/shared/page.js";

export function showVoiceOnly(state, brief) {
  const voiceOnly = Boolean(state && state.voice_only_by);
  $("voice-only").hidden = !voiceOnly;
  $("remote").hidden = voiceOnly;  // hidden, not stopped: her voice goes on playing
  $("voice-only-initial").textContent = voiceOnly && brief ? brief.initial || "" : "";
}
