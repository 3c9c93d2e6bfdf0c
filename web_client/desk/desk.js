// The coordinators' dashboard: day board and alerts, intake, search, the request page, the
// booking calendar, reception (reception.js) and the ministry's figures (report.js).

import { t, label, ready, formatDate, formatTime, onLanguageChange } from "/static/shared/i18n.js";
import { api, signOut, whoAmI } from "/static/shared/api.js";
import { $, screens, element, wireSignIn, clock } from "/static/shared/page.js";
import { centreMoment, centreToday } from "/static/shared/centre_time.js";
import { wireReception, refreshReception } from "/static/desk/reception.js";
import { wireReport, refreshReport, redrawReport } from "/static/desk/report.js";
import {
  loadReference, centreName, categoryLabel, fillSelect, centreChoices, categoryChoices, officeChoices, deviceLabel,
  staffName,
} from "/static/shared/reference.js";
import { wireOutages, serviceCell, actionsCell, reloadAffected } from "/static/desk/outages.js";
import { wireReferrals, fillReferralLists, renderReferrals, refreshOverdue } from "/static/desk/referrals.js";
import { wireStandby, standbyOf, standbyPanel, offerButton, showOffer } from "/static/desk/standby.js";
import { refreshRebooking } from "/static/desk/rebooking.js";
import { formatTracking, isolatedTracking, trackingNode } from "/static/shared/tracking.js";
import { wireHelpAnswers, listenForHelpAnswers, helpParts } from "/static/desk/help.js";
import { wireSafeguarding, refreshSafeguarding } from "/static/desk/safeguarding.js";
import { listenForQuality, qualityParts, keptQualityLine } from "/static/desk/quality.js";
import { io } from "/vendor/socket.io.esm.min.js";

const show = screens();
const FIELD_OF_ERROR = {
  invalid_name: "full_name", invalid_national_id: "national_id", invalid_phone: "phone",
  invalid_request_text: "text",
};
const CALL_OUTCOMES = ["confirmed", "no_answer", "asked_to_reschedule", "wrong_number"];
let screen = "";
let current = null;        // the request on the request page
let bookingFor = null;     // a request chosen for booking in the calendar
let rescheduling = null;   // an affected appointment (of a booth out of service) to move in time
let booths = [];
let found = [];             // the last search's results
let mayService = false;    // sets booths of her centres out of service and back

function go(name) {
  screen = name;
  show(name);
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-current", String(tab.dataset.tab === name));
  }
  ({
    board: refreshBoard, calendar: refreshCalendar, statistics: refreshReport, reception: refreshReception,
  }[name] || (() => {}))();
}

for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => go(tab.dataset.tab));
}

wireSignIn(() => start({ signedInHere: true }));

$("sign-out").addEventListener("click", async () => {
  try { await signOut(); } finally { window.location.reload(); }  // nothing of hers stays
});

async function start({ signedInHere = false } = {}) {
  const session = await whoAmI();
  if (!session || !["coordinator", "supervisor"].includes(session.role)) {
    $("tabs").hidden = true;
    go("signin");
    // Signed in, but this is the coordination team's screen: say so rather than ask again.
    if (session) {
      // Signed out only when she signed in on this very page: a session that merely arrived
      // here (a link, another site's page) is left as it was — opening a page ends nothing.
      const text = signedInHere ? "desk.not_for_role" : "desk.not_for_role_kept";
      $("signin-error").textContent = t(text, { role: label("role", session.role) });
      if (signedInHere) await signOut();
    }
    return;
  }
  $("who").textContent = session.display_name;
  let problem = null;
  await loadReference().catch((error) => { problem = error; });
  fillLists();
  mayService = session.role === "coordinator";
  // A supervisor oversees: no applicant's request or identity, so no intake and no search.
  for (const tab of document.querySelectorAll("[data-needs-requests]")) {
    tab.hidden = session.role !== "coordinator";
  }
  $("tabs").hidden = false;
  go("board");
  if (problem) failed("page-error")(problem);
  listen();
}

// The lists come from the reference data: the centres she serves (a request is registered for
// one of her own centres only), the categories offered today, the office terminals.
function fillLists() {
  fillSelect($("centre"), centreChoices());
  fillSelect($("category"), categoryChoices());
  fillSelect($("sitting-office"), officeChoices());
  fillReferralLists();
}

// Alerts and room changes are pushed on /desk (the session cookie travels with the
// handshake); the board also refreshes every few seconds for the booths' heartbeats.
let desk = null;
function listen() {
  if (desk) return;
  desk = io("/desk", { transports: ["websocket"], reconnectionDelayMax: 5000 });
  desk.on("alert", () => refreshBoard());
  desk.on("room_state", () => refreshBoard());
  listenForQuality(desk);
  listenForHelpAnswers(desk);
  wireSafeguarding(desk, { boothName, failed, enabled: mayService });
  refreshSafeguarding();
}

function failed(target) {
  return (error) => {
    if (error.status === 401) return go("signin");
    $(target).textContent = error.text;
  };
}

// -- the day board --------------------------------------------------------------------------------

// A booth whose connection dropped during its audience: the seat is held until ``until``; the
// notice counts down every second (against the server's clock).
let serverOffsetMs = 0;
function awayNotice(until, serverTime) {
  if (!until) return [];
  serverOffsetMs = Date.parse(serverTime) - Date.now();
  const notice = element("span", { className: "away", attrs: { "data-until": until, role: "status" } });
  showAway(notice);
  return [notice];
}

function showAway(notice) {
  const left = (Date.parse(notice.dataset.until) - (Date.now() + serverOffsetMs)) / 1000;
  notice.textContent = t("board.away", { time: clock(left) });
}

setInterval(() => document.querySelectorAll("#board-rows .away").forEach(showAway), 1000);

async function refreshBoard() {
  if (screen !== "board") return;
  let board;
  try {
    board = await api("GET", "/api/board");
  } catch (error) {
    return failed("page-error")(error);
  }
  booths = board.booths;
  if (mayService) {
    refreshOverdue();
    refreshRebooking({ openRequest, failed });
  }
  const rows = $("board-rows");
  rows.replaceChildren();
  for (const booth of board.booths) {
    rows.append(element("tr", { attrs: { "data-device": booth.device } }, [
      element("th", { text: boothName(booth.device), attrs: { scope: "row" } }),
      element("td", {}, [
        element("span", { text: t(`board.state.${booth.state}`), className: `badge state-${booth.state}` }),
        ...awayNotice(board.away && board.away[booth.device], board.server_time),
      ]),
      element("td", { className: "quality" }, qualityParts(booth.device, booth.round_trip_ms)),
      element("td", { text: booth.last_seen ? formatTime(booth.last_seen) : "—" }),
      serviceCell(booth),
      actionsCell(booth, mayService),
    ]));
  }
  const alerts = $("alerts");
  alerts.replaceChildren();
  $("alerts-empty").hidden = board.alerts.length > 0;
  for (const alert of board.alerts) {
    const handle = element("button", { key: "desk.alerts.handle", attrs: { type: "button" } });
    handle.addEventListener("click", async () => {
      await api("POST", `/api/alerts/${alert.id}/handled`).catch(failed("page-error"));
      refreshBoard();
    });
    alerts.append(element("li", { className: `alert alert-${alert.kind}`, attrs: { "data-kind": alert.kind } }, [
      element("span", { text: `${formatTime(alert.raised_at)} · ${boothName(alert.device)} · ${t(`alert.${alert.kind}`)}` }),
      ...helpParts(alert),
      handle,
    ]));
  }
}

wireOutages({
  boothName,
  booths: () => booths,
  refreshBoard,
  failed,
  reschedule: (appointment) => {  // in the calendar: a free slot and an in-service booth
    rescheduling = appointment;
    bookingFor = null;
    go("calendar");
  },
});

wireReferrals({ current: () => current, openRequest, failed });
wireHelpAnswers({ socket: () => desk, refreshBoard });
wireStandby({
  bookingFor: () => bookingFor,
  chosenBooth: () => $("booth-choice").value,
  refreshCalendar,
  openRequest,
  failed,
});

function boothName(device) {
  return deviceLabel(device);
}

// -- intake ---------------------------------------------------------------------------------------

// A national ID already registered with another name or phone keeps her stored contact: the
// desk says so and offers the explicit, recorded update of her contact (through her latest
// request, which the server names), after which the request is registered again.
let herRequest = null;

function clearIntakeMessages() {
  for (const field of ["full_name", "national_id", "phone", "text"]) {
    $(`${field}-error`).textContent = "";
    $(field).removeAttribute("aria-invalid");
  }
  $("intake-error").textContent = "";
  $("intake-status").textContent = "";
  $("applicant-exists").hidden = true;
  herRequest = null;
}

function offerContactUpdate(error) {
  const named = /^request:(\d+)$/.exec(error.details || "");
  herRequest = named ? Number(named[1]) : null;
  $("national_id").setAttribute("aria-invalid", "true");
  $("update-contact").hidden = herRequest === null;
  $("applicant-exists").hidden = false;
}

$("update-contact").addEventListener("click", async () => {
  const form = Object.fromEntries(new FormData($("intake-form")).entries());
  const requestId = herRequest;
  try {
    await api("POST", `/api/applicants/by-request/${requestId}/contact`, {
      full_name: form.full_name, phone: form.phone, language: form.language,
    });
    clearIntakeMessages();
    $("intake-status").textContent = t("desk.intake.contact_updated");
  } catch (error) {
    failed("intake-error")(error);
  }
});

$("intake-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearIntakeMessages();
  const form = Object.fromEntries(new FormData(event.target).entries());
  try {
    const created = await api("POST", "/api/requests", form);
    event.target.reset();
    openRequest(created.id);
  } catch (error) {
    if (error.code === "applicant_exists") return offerContactUpdate(error);
    const fields = error.code === "invalid_payload" && Array.isArray(error.details)
      ? error.details.map((d) => d.field) : [FIELD_OF_ERROR[error.code]];
    let placed = false;
    for (const field of fields) {
      if (field && $(`${field}-error`)) {
        $(`${field}-error`).textContent = error.text;
        $(field).setAttribute("aria-invalid", "true");
        placed = true;
      }
    }
    if (!placed) failed("intake-error")(error);
  }
});

// -- search and the request page --------------------------------------------------------------------

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("search-q").value.trim();
  if (!q) return;
  $("search-results").replaceChildren();
  try {
    found = (await api("GET", `/api/requests?q=${encodeURIComponent(q)}`)).requests;
  } catch (error) {
    return failed("page-error")(error);
  }
  $("search-empty").hidden = found.length > 0;
  renderFound();
});

function renderFound() {
  const results = $("search-results");
  results.replaceChildren();
  for (const request of found) {
    const open = element("button", { attrs: { type: "button" } }, [
      trackingNode(request.tracking_number),
      ` · ${categoryLabel(request.category)} · ${t(`status.${request.status}`)}`,
    ]);
    if (request.contact_check) open.append(" ", element("span", { key: "desk.contact_check.badge", className: "badge warn", attrs: { "data-contact-check": "" } }));
    open.addEventListener("click", () => openRequest(request.id));
    results.append(element("li", {}, [open]));
  }
}

async function openRequest(id) {
  let details, appointments;
  try {
    [details, appointments] = await Promise.all([
      api("GET", `/api/requests/${id}`),
      api("GET", `/api/requests/${id}/appointments`),
    ]);
  } catch (error) {
    return failed("page-error")(error);
  }
  current = details;
  go("request");
  $("req-tracking").textContent = formatTracking(details.tracking_number);
  $("req-contact-check").hidden = !details.contact_check;
  $("offer-panel").hidden = true;
  $("casework-status").textContent = "";
  $("req-status").textContent = t(`status.${details.status}`);
  $("req-status").dataset.status = details.status;
  renderRequestLabels();
  $("req-text").textContent = details.versions.at(-1).text;
  const history = $("req-history");
  history.replaceChildren();
  for (const step of details.history) {
    const from = step.from ? t(`status.${step.from}`) : "—";
    const note = step.note ? ` · ${step.note}` : "";
    history.append(element("li", { text: `${formatDate(step.at)} · ${from} ${t("history.arrow")} ${t(`status.${step.to}`)} · ${staffName(step.actor)}${note}` }));
  }
  const sms = $("req-sms");
  sms.replaceChildren();
  for (const message of details.sms) {
    sms.append(element("tr", {}, [
      element("td", { text: t(`sms.kind.${message.kind}`) }),
      element("td", { text: t(`sms.status.${message.status}`) }),
      element("td", { text: String(message.segments) }),
    ]));
  }
  renderAppointments(appointments.appointments);
  renderReferrals(details);
}

function renderRequestLabels() {
  if (!current) return;
  $("req-centre").textContent = centreName(current.centre);
  $("req-category").textContent = categoryLabel(current.category);
}

function renderAppointments(list) {
  const box = $("req-appointments");
  box.replaceChildren();
  for (const appointment of list) {
    const item = element("li", { attrs: { "data-appointment": appointment.appointment } }, [
      element("p", { text: `${formatDate(appointment.starts_at)} · ${boothName(appointment.booth)} · ${t(`appointment.${appointment.status}`)}` }),
    ]);
    if (appointment.quality) item.append(keptQualityLine(appointment.quality));
    const calls = element("ul", { className: "calls" });
    for (const call of appointment.calls) {
      calls.append(element("li", { text: `${formatDate(call.at)} · ${t(`call.${call.outcome}`)} · ${staffName(call.actor)}` }));
    }
    item.append(calls);
    const actions = element("div", { className: "actions" });
    if (appointment.status === "booked") {
      for (const outcome of CALL_OUTCOMES) {
        // She asked for another time: the reschedule opens at once, in the calendar.
        const then = outcome === "asked_to_reschedule" ? () => rescheduleFromRequest(appointment) : null;
        actions.append(action(`call.${outcome}`, () => api("POST", `/api/appointments/${appointment.appointment}/calls`, { outcome }), `call-${outcome}`, then));
      }
    }
    if (appointment.status === "confirmed") {
      actions.append(action("desk.request.check_in", () => api("POST", `/api/appointments/${appointment.appointment}/check-in`), "check-in",
        () => { $("casework-status").textContent = t("desk.request.checked_in"); }));
    }
    if (appointment.checked_in) {  // she sits at the booth: the next one waits for her check-out
      item.firstChild.append(" ", element("span", { key: "desk.request.seated", className: "badge", attrs: { "data-seated": "" } }));
      actions.append(action("desk.request.check_out", () => api("POST", `/api/appointments/${appointment.appointment}/check-out`), "check-out"));
    }
    if (["booked", "confirmed"].includes(appointment.status)) {
      actions.append(reschedule(appointment));
      let cancelled = null;
      actions.append(action("desk.request.cancel", async () => { cancelled = await api("POST", `/api/appointments/${appointment.appointment}/cancel`); }, "cancel",
        () => showOffer(cancelled, appointment.booth)));
    }
    item.append(actions);
    box.append(item);
  }
}

function action(key, run, name, then = null) {
  const button = element("button", { key, attrs: { type: "button", "data-action": name } });
  button.addEventListener("click", async () => {
    $("request-error").textContent = "";
    try {
      await run();
      await openRequest(current.id);
    } catch (error) {
      return failed("request-error")(error);
    }
    if (then) then();
  });
  return button;
}

function reschedule(appointment) {
  const button = element("button", { key: "desk.request.reschedule", attrs: { type: "button", "data-action": "reschedule" } });
  button.addEventListener("click", () => rescheduleFromRequest(appointment));
  return button;
}

// The calendar, choosing the new time of the request page's appointment.
function rescheduleFromRequest(appointment) {
  rescheduling = { appointment: appointment.appointment, tracking_number: current.tracking_number, centre: current.centre, request: current.id };
  bookingFor = null;
  go("calendar");
}

$("req-book").addEventListener("click", () => {
  bookingFor = current;
  rescheduling = null;
  go("calendar");
});

// -- the booking calendar ----------------------------------------------------------------------------

$("day").addEventListener("change", () => refreshCalendar());

$("sitting-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("calendar-error").textContent = "";
  const day = $("day").value;
  try {
    const { sitting } = await api("POST", "/api/sittings", {
      office_device: $("sitting-office").value,
      starts_at: centreMoment(day, $("sitting-start").value),
      ends_at: centreMoment(day, $("sitting-end").value),
    });
    createdSitting = sitting;  // marked and brought into view, among the day's others
    refreshCalendar();
  } catch (error) {
    failed("calendar-error")(error);
  }
});

let createdSitting = null;

async function refreshCalendar() {
  if (!$("day").value) $("day").value = centreToday();
  const dayStart = centreMoment($("day").value);
  $("day-hijri").textContent = formatDate(centreMoment($("day").value, "12:00"), { time: false });
  $("booking-for").textContent = rescheduling
    ? t("desk.calendar.rescheduling", { tracking: isolatedTracking(rescheduling.tracking_number) })
    : bookingFor
      ? t("desk.calendar.booking_for", { tracking: isolatedTracking(bookingFor.tracking_number) }) : t("desk.calendar.pick_request");
  try {
    booths = (await api("GET", "/api/board")).booths;
    offerBooths();
    const { sittings } = await api("GET", `/api/sittings?day_start=${encodeURIComponent(dayStart)}`);
    const standby = await Promise.all(sittings.map((s) => (mayService ? standbyOf(s.sitting) : [])));
    renderSittings(sittings, standby);
  } catch (error) {
    failed("calendar-error")(error);
  }
}

// The booths of the applicant's centre (of every centre she serves, when no request is being
// booked); one out of service is shown and cannot be chosen.
function offerBooths() {
  const select = $("booth-choice");
  const chosen = select.value;
  select.replaceChildren();
  const centre = (rescheduling || bookingFor || {}).centre;
  const offered = centre ? booths.filter((b) => b.device.split("/")[0] === centre) : booths;
  for (const booth of offered) {
    const name = booth.in_service ? boothName(booth.device) : `${boothName(booth.device)} ${t("desk.board.out_short")}`;
    const option = element("option", { text: name, attrs: { value: booth.device } });
    option.disabled = !booth.in_service;
    select.append(option);
  }
  const usable = offered.filter((b) => b.in_service).map((b) => b.device);
  select.value = usable.includes(chosen) ? chosen : (usable[0] || "");
}

function renderSittings(sittings, standby) {
  const box = $("sittings");
  box.replaceChildren();
  if (sittings.length === 0) box.append(element("p", { key: "desk.calendar.no_sittings" }));
  sittings.forEach((sitting, index) => {
    const waiting = standby[index] || [];
    const slots = element("ul", { className: "slots" });
    for (const slot of sitting.slots) {
      // A slot that has begun cannot be booked (the server says slot_in_past): no button for it.
      const bookable = slot.free && new Date(slot.starts_at) > new Date();
      const when = `${formatTime(slot.starts_at)}–${formatTime(slot.ends_at)}`;
      // Time, state and applicant each in a cell of their own (never run together).
      const item = element("li", { className: "slot-row", attrs: { "data-slot": slot.slot } }, [
        element("bdi", { text: when, className: "slot-time", attrs: { dir: "ltr" } }),
      ]);
      if (slot.appointment) {
        item.append(
          element("span", { text: t(`appointment.${slot.appointment.status}`), className: `badge slot-state state-${slot.appointment.status}`, attrs: { "data-state": slot.appointment.status } }),
          element("span", { className: "slot-who" }, slot.appointment.tracking_number
            ? [trackingNode(slot.appointment.tracking_number), ` · ${boothName(slot.appointment.booth)}`] : []),
        );
        const open = element("button", { key: "desk.calendar.open", attrs: { type: "button" } });
        open.addEventListener("click", () => openRequest(slot.appointment.request));
        item.append(open);
      } else if (slot.free && !bookable) {
        item.append(element("span", { key: "desk.calendar.passed", className: "muted slot-state", attrs: { "data-state": "passed" } }));
      } else if (slot.free && rescheduling) {
        const here = element("button", { key: "desk.calendar.reschedule_here", className: "primary", attrs: { type: "button", "data-action": "reschedule-here" } });
        here.addEventListener("click", async () => {
          try {
            await api("POST", `/api/appointments/${rescheduling.appointment}/reschedule`, { slot_id: slot.slot, booth: $("booth-choice").value });
            const from = rescheduling.request;  // from a request page: back to it
            rescheduling = null;
            if (from) return openRequest(from);
            go("board");
            reloadAffected();
          } catch (error) {
            failed("calendar-error")(error);
          }
        });
        item.append(here);
      } else if (slot.free && bookingFor) {
        const book = element("button", { key: "desk.calendar.book", className: "primary", attrs: { type: "button", "data-action": "book" } });
        book.addEventListener("click", async () => {
          try {
            await api("POST", "/api/appointments", { request_id: bookingFor.id, slot_id: slot.slot, booth: $("booth-choice").value });
            const booked = bookingFor;
            bookingFor = null;
            openRequest(booked.id);
          } catch (error) {
            failed("calendar-error")(error);
          }
        });
        item.append(book);
      } else if (slot.free && waiting.length > 0) {
        item.append(element("span", { key: "desk.calendar.free", className: "muted slot-state" }), offerButton(slot, waiting[0]));
      } else {
        item.append(element("span", { key: "desk.calendar.free", className: "muted slot-state" }));
      }
      slots.append(item);
    }
    const card = element("article", { className: "card", attrs: { "data-sitting": sitting.sitting } }, [
      element("h3", { text: `${formatTime(sitting.starts_at)}–${formatTime(sitting.ends_at)} · ${deviceLabel(sitting.office_device)}` }),
      slots,
    ]);
    if (mayService) card.append(standbyPanel(sitting.sitting, waiting));
    box.append(card);
    if (sitting.sitting === createdSitting) {
      card.classList.add("card-new");
      card.setAttribute("data-new", "");
      card.scrollIntoView({ block: "nearest" });
    }
  });
}

wireReception({ failed });
wireReport({ failed });

await ready;
onLanguageChange(() => {
  redrawReport();
  fillLists();
  renderFound();
  renderRequestLabels();
  go(screen);
});
start();
setInterval(refreshBoard, 5000);
