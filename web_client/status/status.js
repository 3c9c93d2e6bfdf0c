// The applicant's status page: her tracking number (with or without spaces) and the last four
// digits of her phone → her request's status in plain words, since when (Hijri and
// Gregorian), and what happens next. A wrong pair and an unknown number get the same answer.

import { t, ready, formatDate, onLanguageChange } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $ } from "/static/shared/page.js";

let found = null;  // the last answer, shown again in the other language

function showFound() {
  $("status-result").hidden = found === null;
  if (found === null) return;
  $("status-word").textContent = t(found.message_key);
  $("status-date").textContent = t("status_page.since", { date: formatDate(found.since, { time: false }) });
  $("status-next").textContent = t(found.next_key);
}

$("status-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("status-error").textContent = "";
  found = null;
  showFound();
  try {
    found = await api("POST", "/api/status-lookup", {
      tracking_number: $("status-tracking").value.trim(),
      phone_last_four: $("status-phone").value.trim(),
    });
    showFound();
  } catch (error) {
    $("status-error").textContent = error.text;
  }
});

onLanguageChange(showFound);
await ready;
