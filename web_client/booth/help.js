// The booth's help: her button opens a short choice of what is wrong (sound, picture, "I need
// a coordinator", other); the choice reaches the coordinators of this booth's centre only, and
// their answer (a short text, or "on my way") is shown here. resetHelp() leaves nothing of the
// exchange in the page for the next applicant.

import { t } from "/static/shared/i18n.js";
import { $ } from "/static/shared/page.js";

let currentCall = () => null;

// ``call``: the audience's current connection (a function: the booth makes a new one per
// applicant).
export function wireHelp(call) {
  currentCall = call;
  $("help").addEventListener("click", () => showChoices($("help-choices").hidden));
  for (const button of document.querySelectorAll("[data-help-reason]")) {
    button.addEventListener("click", () => ask(button.dataset.helpReason));
  }
}

function showChoices(open) {
  $("help-choices").hidden = !open;
  $("help").setAttribute("aria-expanded", String(open));
}

async function ask(reason) {
  $("help-error").textContent = "";
  try {
    await currentCall().request("help", { reason });
    showChoices(false);
    $("help-sent").hidden = false;
  } catch (error) {
    $("help-error").textContent = t(error.message_key || "errors.internal");
  }
}

// Each new connection of the booth: a coordinator's answers are shown as they come.
export function listenForAnswers(call) {
  call.socket.on("help_answer", (answer) => {
    const text = answer.kind === "on_my_way"
      ? t("booth.help.on_my_way")
      : t("booth.help.answer", { text: answer.text });
    $("help-answer").textContent = text;
    $("help-answer").hidden = false;
  });
}

export function resetHelp() {
  showChoices(false);
  for (const id of ["help-sent", "help-answer"]) $(id).hidden = true;
  for (const id of ["help-answer", "help-error"]) $(id).textContent = "";
}
