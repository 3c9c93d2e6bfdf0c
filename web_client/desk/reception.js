// Reception: a walk-in visit in a few taps (her centre, optionally the tracking number of her
// request and a note, then the purpose: the visit is recorded as arriving now, served by the
// signed-in coordinator), "finish" when she has been served; the enquiry-call log. Both list
// today's entries of her centres. Only counts and durations feed the figures; a note is sealed.

import { t, formatTime } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { centreMidnight } from "/static/shared/centre_time.js";
import { centreName, centreChoices, fillSelect, staffName } from "/static/shared/reference.js";

const VISIT_PURPOSES = ["new_request", "follow_up", "audience", "enquiry"];
const CALL_CHOICES = {
  "call-direction": ["in", "out"],
  "call-purpose": ["enquiry", "follow_up", "appointment", "complaint"],
  "call-outcome": ["answered", "call_back", "referred", "no_answer"],
};
let failed = null;  // desk.js's error display

export function wireReception(given) {
  failed = given.failed;
  const purposes = $("visit-purposes");
  for (const purpose of VISIT_PURPOSES) {
    const button = element("button", {
      key: `reception.purpose.${purpose}`,
      className: "primary",
      attrs: { type: "button", "data-purpose": purpose },
    });
    button.addEventListener("click", () => recordVisit(purpose));
    purposes.append(button);
  }
  $("call-form").addEventListener("submit", (event) => {
    event.preventDefault();
    recordCall();
  });
}

function fillChoices() {
  fillSelect($("visit-centre"), centreChoices());
  fillSelect($("call-centre"), centreChoices());
  for (const [id, values] of Object.entries(CALL_CHOICES)) {
    const prefix = id.replace("call-", "reception.call.");
    fillSelect($(id), values.map((value) => [value, t(`${prefix}.${value}`)]));
  }
}

function optional(text) {
  const value = text.trim();
  return value ? value : undefined;
}

async function recordVisit(purpose) {
  $("visit-error").textContent = "";
  $("visit-status").textContent = "";
  try {
    await api("POST", "/api/visits", {
      centre: $("visit-centre").value,
      purpose,
      tracking_number: optional($("visit-tracking").value),
      note: $("visit-note").value,
    });
    $("visit-tracking").value = "";
    $("visit-note").value = "";
    $("visit-status").textContent = t("reception.visit_recorded", { purpose: t(`reception.purpose.${purpose}`) });
    await refreshReception();
  } catch (error) {
    failed("visit-error")(error);
  }
}

async function recordCall() {
  $("call-error").textContent = "";
  $("call-status").textContent = "";
  const minutes = Number($("call-minutes").value || "0");
  try {
    await api("POST", "/api/calls", {
      centre: $("call-centre").value,
      direction: $("call-direction").value,
      purpose: $("call-purpose").value,
      outcome: $("call-outcome").value,
      duration_seconds: Math.round(minutes * 60),
      tracking_number: optional($("call-tracking").value),
      note: $("call-note").value,
    });
    for (const id of ["call-minutes", "call-tracking", "call-note"]) $(id).value = "";
    $("call-status").textContent = t("reception.call_recorded");
    await refreshReception();
  } catch (error) {
    failed("call-error")(error);
  }
}

export async function refreshReception() {
  fillChoices();
  const since = encodeURIComponent(centreMidnight());
  let visits, calls;
  try {
    [{ visits }, { calls }] = await Promise.all([
      api("GET", `/api/visits?since=${since}`),
      api("GET", `/api/calls?since=${since}`),
    ]);
  } catch (error) {
    return failed("page-error")(error);
  }
  renderVisits(visits);
  renderCalls(calls);
}

function minutesText(seconds) {
  return t("reception.minutes", { count: Math.round(seconds / 6) / 10 });
}

function renderVisits(visits) {
  const rows = $("visit-rows");
  rows.replaceChildren();
  $("visits-empty").hidden = visits.length > 0;
  for (const visit of visits) {
    const state = element("td");
    if (visit.finished_at) {
      state.textContent = minutesText(visit.service_seconds);
    } else {
      const finish = element("button", { key: "reception.finish", attrs: { type: "button", "data-action": "finish-visit" } });
      finish.addEventListener("click", async () => {
        try {
          await api("POST", `/api/visits/${visit.id}/finish`, {});
          await refreshReception();
        } catch (error) {
          failed("visit-error")(error);
        }
      });
      state.append(finish);
    }
    rows.append(element("tr", { attrs: { "data-visit": visit.id, "data-purpose": visit.purpose } }, [
      element("td", { text: formatTime(visit.arrived_at) }),
      element("td", { text: centreName(visit.centre) }),
      element("td", { text: t(`reception.purpose.${visit.purpose}`) }),
      element("td", { text: visit.tracking_number || "—", attrs: { dir: "ltr" } }),
      element("td", { text: staffName(visit.served_by) }),
      state,
    ]));
  }
}

function renderCalls(calls) {
  const rows = $("call-rows");
  rows.replaceChildren();
  $("calls-empty").hidden = calls.length > 0;
  for (const call of calls) {
    rows.append(element("tr", { attrs: { "data-call": call.id } }, [
      element("td", { text: formatTime(call.at) }),
      element("td", { text: centreName(call.centre) }),
      element("td", { text: t(`reception.call.direction.${call.direction}`) }),
      element("td", { text: t(`reception.call.purpose.${call.purpose}`) }),
      element("td", { text: t(`reception.call.outcome.${call.outcome}`) }),
      element("td", { text: minutesText(call.duration_seconds) }),
      element("td", { text: call.tracking_number || "—", attrs: { dir: "ltr" } }),
    ]));
  }
}
