// The coordinators' dashboard: day board and alerts, intake, search, the request page, the
// booking calendar and the statistics.

import { t, label, ready, formatDate, formatTime, onLanguageChange } from "/static/shared/i18n.js";
import { api, signOut, whoAmI } from "/static/shared/api.js";
import { $, screens, element, wireSignIn, clock } from "/static/shared/page.js";
import { centreMoment, centreToday } from "/static/shared/centre_time.js";
import { wireOutages, serviceCell, actionsCell, reloadAffected } from "/static/desk/outages.js";
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
let mayService = false;    // sets booths of her centres out of service and back

function go(name) {
  screen = name;
  show(name);
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-current", String(tab.dataset.tab === name));
  }
  ({ board: refreshBoard, calendar: refreshCalendar, statistics: refreshStatistics }[name] || (() => {}))();
}

for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => go(tab.dataset.tab));
}

wireSignIn(() => start());

$("sign-out").addEventListener("click", async () => {
  try { await signOut(); } finally { window.location.reload(); }  // nothing of hers stays
});

async function start() {
  const session = await whoAmI();
  if (!session || !["coordinator", "supervisor"].includes(session.role)) {
    $("tabs").hidden = true;
    go("signin");
    // Signed in, but this is the coordination team's screen: say so rather than ask again.
    if (session) {
      $("signin-error").textContent = t("desk.not_for_role", { role: label("role", session.role) });
      await signOut();
    }
    return;
  }
  $("who").textContent = session.display_name;
  mayService = session.role === "coordinator";
  offerServedCentres(session);
  // A supervisor oversees: no applicant's request or identity, so no intake and no search.
  for (const tab of document.querySelectorAll("[data-needs-requests]")) {
    tab.hidden = session.role !== "coordinator";
  }
  $("tabs").hidden = false;
  go("board");
  listen();
}

// A request is registered for one of her own centres only (the server refuses any other).
function offerServedCentres(session) {
  if (session.all_centres) return;
  for (const option of [...$("centre").options]) {
    if (!session.centres.includes(option.value)) option.remove();
  }
}

// Alerts and room changes are pushed on /desk (the session cookie travels with the
// handshake); the board also refreshes every few seconds for the booths' heartbeats.
let desk = null;
function listen() {
  if (desk) return;
  desk = io("/desk", { transports: ["websocket"], reconnectionDelayMax: 5000 });
  desk.on("alert", () => refreshBoard());
  desk.on("room_state", () => refreshBoard());
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
  const rows = $("board-rows");
  rows.replaceChildren();
  for (const booth of board.booths) {
    const quality = booth.round_trip_ms === null ? "—" : t("desk.board.rtt", { ms: booth.round_trip_ms });
    rows.append(element("tr", { attrs: { "data-device": booth.device } }, [
      element("th", { text: boothName(booth.device), attrs: { scope: "row" } }),
      element("td", {}, [
        element("span", { text: t(`board.state.${booth.state}`), className: `badge state-${booth.state}` }),
        ...awayNotice(board.away && board.away[booth.device], board.server_time),
      ]),
      element("td", { text: quality }),
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

function boothName(device) {
  const [centre, booth] = device.split("/");
  return `${label("centre", centre)} · ${t("office.queue.booth", { n: (booth || "").replace("booth-", "") })}`;
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
  const results = $("search-results");
  results.replaceChildren();
  try {
    const found = (await api("GET", `/api/requests?q=${encodeURIComponent(q)}`)).requests;
    $("search-empty").hidden = found.length > 0;
    for (const request of found) {
      const open = element("button", {
        text: `${request.tracking_number} · ${label("category", request.category)} · ${t(`status.${request.status}`)}`,
        attrs: { type: "button" },
      });
      open.addEventListener("click", () => openRequest(request.id));
      results.append(element("li", {}, [open]));
    }
  } catch (error) {
    failed("page-error")(error);
  }
});

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
  const tracking = details.tracking_number;
  $("req-tracking").textContent = `${tracking.slice(0, 4)} ${tracking.slice(4, 8)} ${tracking.slice(8)}`;
  $("req-status").textContent = t(`status.${details.status}`);
  $("req-status").dataset.status = details.status;
  $("req-centre").textContent = label("centre", details.centre);
  $("req-category").textContent = label("category", details.category);
  $("req-text").textContent = details.versions.at(-1).text;
  const history = $("req-history");
  history.replaceChildren();
  for (const step of details.history) {
    const from = step.from ? t(`status.${step.from}`) : "—";
    const note = step.note ? ` · ${step.note}` : "";
    history.append(element("li", { text: `${formatDate(step.at)} · ${from} → ${t(`status.${step.to}`)} · ${step.actor}${note}` }));
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
}

function renderAppointments(list) {
  const box = $("req-appointments");
  box.replaceChildren();
  for (const appointment of list) {
    const item = element("li", { attrs: { "data-appointment": appointment.appointment } }, [
      element("p", { text: `${formatDate(appointment.starts_at)} · ${boothName(appointment.booth)} · ${t(`appointment.${appointment.status}`)}` }),
    ]);
    const calls = element("ul", { className: "calls" });
    for (const call of appointment.calls) {
      calls.append(element("li", { text: `${formatDate(call.at)} · ${t(`call.${call.outcome}`)} · ${call.actor}` }));
    }
    item.append(calls);
    const actions = element("div", { className: "actions" });
    if (appointment.status === "booked") {
      for (const outcome of CALL_OUTCOMES) {
        actions.append(action(`call.${outcome}`, () => api("POST", `/api/appointments/${appointment.appointment}/calls`, { outcome }), `call-${outcome}`));
      }
    }
    if (appointment.status === "confirmed") {
      actions.append(action("desk.request.check_in", () => api("POST", `/api/appointments/${appointment.appointment}/check-in`), "check-in"));
    }
    if (appointment.checked_in) {  // she sits at the booth: the next one waits for her check-out
      item.firstChild.append(" ", element("span", { key: "desk.request.seated", className: "badge", attrs: { "data-seated": "" } }));
      actions.append(action("desk.request.check_out", () => api("POST", `/api/appointments/${appointment.appointment}/check-out`), "check-out"));
    }
    if (["booked", "confirmed"].includes(appointment.status)) {
      actions.append(action("desk.request.cancel", () => api("POST", `/api/appointments/${appointment.appointment}/cancel`), "cancel"));
    }
    item.append(actions);
    box.append(item);
  }
}

function action(key, run, name) {
  const button = element("button", { key, attrs: { type: "button", "data-action": name } });
  button.addEventListener("click", async () => {
    $("request-error").textContent = "";
    try {
      await run();
      await openRequest(current.id);
    } catch (error) {
      failed("request-error")(error);
    }
  });
  return button;
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
    await api("POST", "/api/sittings", {
      office_device: $("sitting-office").value,
      starts_at: centreMoment(day, $("sitting-start").value),
      ends_at: centreMoment(day, $("sitting-end").value),
    });
    refreshCalendar();
  } catch (error) {
    failed("calendar-error")(error);
  }
});

async function refreshCalendar() {
  if (!$("day").value) $("day").value = centreToday();
  const dayStart = centreMoment($("day").value);
  $("day-hijri").textContent = formatDate(centreMoment($("day").value, "12:00"), { time: false });
  $("booking-for").textContent = rescheduling
    ? t("desk.calendar.rescheduling", { tracking: rescheduling.tracking_number })
    : bookingFor
      ? t("desk.calendar.booking_for", { tracking: bookingFor.tracking_number }) : t("desk.calendar.pick_request");
  try {
    booths = (await api("GET", "/api/board")).booths;
    offerBooths();
    const { sittings } = await api("GET", `/api/sittings?day_start=${encodeURIComponent(dayStart)}`);
    renderSittings(sittings);
  } catch (error) {
    failed("calendar-error")(error);
  }
}

// Every booth of her centres; one out of service is shown and cannot be chosen.
function offerBooths() {
  const select = $("booth-choice");
  const chosen = select.value;
  select.replaceChildren();
  for (const booth of booths) {
    const name = booth.in_service ? boothName(booth.device) : `${boothName(booth.device)} ${t("desk.board.out_short")}`;
    const option = element("option", { text: name, attrs: { value: booth.device } });
    option.disabled = !booth.in_service;
    select.append(option);
  }
  const usable = booths.filter((b) => b.in_service).map((b) => b.device);
  select.value = usable.includes(chosen) ? chosen : (usable[0] || "");
}

function renderSittings(sittings) {
  const box = $("sittings");
  box.replaceChildren();
  if (sittings.length === 0) box.append(element("p", { key: "desk.calendar.no_sittings" }));
  for (const sitting of sittings) {
    const slots = element("ul", { className: "slots" });
    for (const slot of sitting.slots) {
      const when = `${formatTime(slot.starts_at)}–${formatTime(slot.ends_at)}`;
      const item = element("li", { attrs: { "data-slot": slot.slot } }, [element("span", { text: when })]);
      if (slot.appointment) {
        item.append(element("span", { text: ` · ${slot.appointment.tracking_number} · ${boothName(slot.appointment.booth)} · ${t(`appointment.${slot.appointment.status}`)}` }));
        const open = element("button", { key: "desk.calendar.open", attrs: { type: "button" } });
        open.addEventListener("click", () => openRequest(slot.appointment.request));
        item.append(open);
      } else if (slot.free && rescheduling) {
        const here = element("button", { key: "desk.calendar.reschedule_here", className: "primary", attrs: { type: "button", "data-action": "reschedule-here" } });
        here.addEventListener("click", async () => {
          try {
            await api("POST", `/api/appointments/${rescheduling.appointment}/reschedule`, { slot_id: slot.slot, booth: $("booth-choice").value });
            rescheduling = null;
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
      } else {
        item.append(element("span", { key: "desk.calendar.free", className: "muted" }));
      }
      slots.append(item);
    }
    box.append(element("article", { className: "card" }, [
      element("h3", { text: `${formatTime(sitting.starts_at)}–${formatTime(sitting.ends_at)} · ${sitting.office_device}` }),
      slots,
    ]));
  }
}

// -- statistics ---------------------------------------------------------------------------------------

async function refreshStatistics() {
  let figures;
  try {
    figures = await api("GET", "/api/statistics");
  } catch (error) {
    return failed("page-error")(error);
  }
  const box = $("figures");
  box.replaceChildren();
  const none = "—";
  const facts = [
    ["desk.stats.audiences_held", figures.audiences_held],
    ["desk.stats.average_minutes", figures.average_audience_minutes ?? none],
    ["desk.stats.satisfaction", figures.satisfaction_average ?? none],
    ["desk.stats.no_show_rate", figures.no_show_rate === null ? none : `${Math.round(figures.no_show_rate * 100)}%`],
    ["desk.stats.sms_sent", figures.sms_sent],
  ];
  for (const [key, value] of facts) {
    box.append(element("div", { className: "figure" }, [element("span", { key }), element("strong", { text: String(value) })]));
  }
  const byStatus = {};
  for (const row of figures.requests_by_centre_and_status) byStatus[row.status] = (byStatus[row.status] || 0) + row.count;
  barChart($("chart-status"), Object.entries(byStatus).map(([status, n]) => [t(`status.${status}`), n]));
  barChart($("chart-days"), figures.audiences_per_day.map((d) => [formatDate(centreMoment(d.day, "12:00"), { time: false }), d.count]));
}

function barChart(box, rows) {
  box.replaceChildren();
  const top = Math.max(1, ...rows.map(([, n]) => n));
  const list = element("ul", { className: "bars" });
  for (const [name, n] of rows) {
    const bar = element("span", { className: "bar" });
    bar.style.inlineSize = `${(100 * n) / top}%`;
    list.append(element("li", {}, [element("span", { text: name, className: "bar-label" }), bar, element("span", { text: String(n) })]));
  }
  if (rows.length === 0) list.append(element("li", { key: "desk.stats.empty" }));
  box.append(list);
}

await ready;
onLanguageChange(() => go(screen));
start();
setInterval(refreshBoard, 5000);
