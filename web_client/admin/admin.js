// The administrators' screens: staff accounts, centres, booths and office terminals, request
// categories and departments. Every change is one call of the admin API, which audits it.

import { t, label, ready, formatDate, currentLanguage, onLanguageChange } from "/static/shared/i18n.js";
import { api, signOut, whoAmI } from "/static/shared/api.js";
import { $, screens, element, wireSignIn } from "/static/shared/page.js";
import { centreMoment } from "/static/shared/centre_time.js";
import { keyCell, refreshDirectory } from "/static/admin/directory.js";

const show = screens();
const REFRESH = { staff: refreshStaff, centres: refreshCentres, devices: refreshDevices, lists: refreshLists };
let screen = "";
let me = null;            // the signed-in administrator's session
let centres = [];         // every centre, from /api/admin/centres
let sessionsOf = null;    // the account whose sessions are shown
let editingCentre = null; // the centre code the form edits (null: a new centre)
let outageOf = null;      // the device being set out of service

function go(name) {
  screen = name;
  show(name);
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-current", String(tab.dataset.tab === name));
  }
  REFRESH[name]?.();
}

for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => go(tab.dataset.tab));
}

wireSignIn(() => start({ signedInHere: true }));

$("sign-out").addEventListener("click", async () => {
  try { await signOut(); } finally { window.location.reload(); }
});

async function start({ signedInHere = false } = {}) {
  const session = await whoAmI();
  if (!session || session.role !== "admin") {
    $("tabs").hidden = true;
    go("signin");
    // Signed in, but these are the administrators' screens: say so rather than ask again.
    if (session) {
      // Signed out only when she signed in on this very page: a session that merely arrived
      // here (a link, another site's page) is left as it was — opening a page ends nothing.
      const text = signedInHere ? "admin.not_for_role" : "admin.not_for_role_kept";
      $("signin-error").textContent = t(text, { role: label("role", session.role) });
      if (signedInHere) await signOut();
    }
    return;
  }
  me = session;
  $("who").textContent = session.display_name;
  $("tabs").hidden = false;
  go("staff");
}

function failed(target) {
  return (error) => {
    if (error.status === 401) return start();
    $(target).textContent = error.text;
  };
}

function button(key, action, run, className = "") {
  const node = element("button", { key, className, attrs: { type: "button", "data-action": action } });
  node.addEventListener("click", run);
  return node;
}

function centreName(code) {
  const centre = centres.find((c) => c.code === code);
  if (!centre) return code;
  return currentLanguage() === "en" ? centre.name_en : centre.name_ar;
}

async function loadCentres() {
  centres = (await api("GET", "/api/admin/centres")).centres;
}

// -- staff accounts -------------------------------------------------------------------------------

async function refreshStaff() {
  $("staff-error").textContent = "";
  let staff;
  try {
    await loadCentres();
    staff = (await api("GET", "/api/admin/staff")).staff;
  } catch (error) {
    return failed("staff-error")(error);
  }
  offerCentres();
  $("staff-rows").replaceChildren(...staff.map(staffRow));
}

function staffRow(account) {
  const served = account.all_centres ? t("admin.staff.all_centres")
    : account.centres.map(centreName).join("، ") || "—";
  const state = account.active
    ? t(account.must_change_password ? "admin.staff.state_new" : "admin.staff.state_active")
    : t("admin.staff.state_disabled");
  const actions = element("td");
  if (account.active) {
    actions.append(
      button("admin.staff.sessions", "sessions", () => showSessions(account)),
      button("admin.staff.reset_password", "reset-password", () => resetPassword(account)),
    );
    if (account.username !== me.username) {  // never her own account
      actions.append(button("admin.staff.disable", "disable", () => disable(account), "danger"));
    }
  }
  return element("tr", { attrs: { "data-username": account.username } }, [
    element("th", { text: account.username, attrs: { scope: "row", dir: "ltr" } }),
    element("td", { text: account.display_name }),
    element("td", { text: label("role", account.role) }),
    element("td", { text: served }),
    element("td", { text: t("admin.staff.state", { state, sessions: account.sessions }) }),
    actions,
  ]);
}

function offerCentres() {
  const box = $("staff-centres");
  const ticked = new Set([...box.querySelectorAll("input:checked")].map((input) => input.value));
  box.replaceChildren(...centres.map((centre) => {
    const input = element("input", { attrs: { type: "checkbox", value: centre.code, name: "staff-centre" } });
    input.checked = ticked.has(centre.code);
    return element("label", { className: "check" }, [input, element("span", { text: centreName(centre.code) })]);
  }));
}

// A one-time password is shown once, here, until the next one or a reload.
function showOneTime(key, username, password) {
  $("one-time").hidden = false;
  $("one-time-text").textContent = t(key, { username });
  $("one-time-password").textContent = password;
}

$("staff-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("staff-form-error").textContent = "";
  const body = {
    username: $("staff-username").value.trim(),
    display_name: $("staff-display-name").value.trim(),
    role: $("staff-role").value,
    all_centres: $("staff-all-centres").checked,
    centres: [...$("staff-centres").querySelectorAll("input:checked")].map((input) => input.value),
  };
  try {
    const made = await api("POST", "/api/admin/staff", body);
    showOneTime("admin.staff.created", body.username.toLowerCase(), made.one_time_password);
    event.target.reset();
    refreshStaff();
  } catch (error) {
    failed("staff-form-error")(error);
  }
});

async function resetPassword(account) {
  if (!window.confirm(t("admin.staff.confirm_reset", { username: account.username }))) return;
  try {
    const reset = await api("POST", `/api/admin/staff/${account.id}/reset-password`, {});
    showOneTime("admin.staff.was_reset", account.username, reset.one_time_password);
    refreshStaff();
  } catch (error) {
    failed("staff-error")(error);
  }
}

async function disable(account) {
  if (!window.confirm(t("admin.staff.confirm_disable", { username: account.username }))) return;
  await api("POST", `/api/admin/staff/${account.id}/disable`, {}).catch(failed("staff-error"));
  if (sessionsOf && sessionsOf.id === account.id) $("sessions-box").hidden = true;
  refreshStaff();
}

async function showSessions(account) {
  sessionsOf = account;
  let sessions;
  try {
    sessions = (await api("GET", `/api/admin/staff/${account.id}/sessions`)).sessions;
  } catch (error) {
    return failed("staff-error")(error);
  }
  $("sessions-box").hidden = false;
  $("sessions-title").textContent = t("admin.staff.sessions_of", { username: account.username });
  const list = $("sessions-list");
  list.replaceChildren(...sessions.map((s) => element("li", {
    text: t("admin.staff.session", { started: formatDate(s.started_at), seen: formatDate(s.last_seen_at) }),
  })));
  if (sessions.length === 0) list.append(element("li", { key: "admin.staff.no_sessions" }));
  $("sessions-end").hidden = sessions.length === 0;
}

$("sessions-end").addEventListener("click", async () => {
  await api("POST", `/api/admin/staff/${sessionsOf.id}/sessions/end`, {}).catch(failed("staff-error"));
  await showSessions(sessionsOf);
  refreshStaff();
});

// -- centres ----------------------------------------------------------------------------------------

async function refreshCentres() {
  try {
    await loadCentres();
  } catch (error) {
    return failed("centre-error")(error);
  }
  $("centre-rows").replaceChildren(...centres.map((centre) => element("tr", { attrs: { "data-code": centre.code } }, [
    element("th", { text: centre.code, attrs: { scope: "row", dir: "ltr" } }),
    element("td", { text: centre.name_ar, attrs: { lang: "ar", dir: "rtl" } }),
    element("td", { text: centre.name_en, attrs: { lang: "en", dir: "ltr" } }),
    element("td", { text: centre.city }),
    element("td", { text: `${centre.opens_at}–${centre.closes_at}`, attrs: { dir: "ltr" } }),
    element("td", {}, [button("admin.edit", "edit", () => editCentre(centre))]),
  ])));
}

const CENTRE_FIELDS = {
  name_ar: "centre-name-ar", name_en: "centre-name-en", city: "centre-city",
  opens_at: "centre-opens", closes_at: "centre-closes",
};

function editCentre(centre) {
  editingCentre = centre ? centre.code : null;
  $("centre-form-title").textContent = t(centre ? "admin.centres.edit" : "admin.centres.add");
  $("centre-code").value = centre ? centre.code : "";
  $("centre-code").disabled = Boolean(centre);  // a code never changes: requests keep it
  $("centre-cancel").hidden = !centre;
  for (const [field, id] of Object.entries(CENTRE_FIELDS)) {
    $(id).value = centre ? centre[field] : { opens_at: "08:00", closes_at: "16:00" }[field] || "";
  }
  $("centre-error").textContent = "";
}

$("centre-cancel").addEventListener("click", () => editCentre(null));

$("centre-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("centre-error").textContent = "";
  const body = Object.fromEntries(Object.entries(CENTRE_FIELDS).map(([field, id]) => [field, $(id).value.trim()]));
  try {
    if (editingCentre) {
      await api("PATCH", `/api/admin/centres/${encodeURIComponent(editingCentre)}`, body);
    } else {
      await api("POST", "/api/admin/centres", { code: $("centre-code").value.trim(), ...body });
    }
    editCentre(null);
    refreshCentres();
  } catch (error) {
    failed("centre-error")(error);
  }
});

// -- booths and office terminals ------------------------------------------------------------------

async function refreshDevices() {
  let devices;
  try {
    await loadCentres();
    devices = (await api("GET", "/api/devices")).devices;
  } catch (error) {
    return failed("device-error")(error);
  }
  const select = $("device-centre");
  const chosen = select.value;
  select.replaceChildren(...centres.map((c) => element("option", { text: centreName(c.code), attrs: { value: c.code } })));
  if (centres.some((c) => c.code === chosen)) select.value = chosen;
  offerDeviceCentre();
  try {
    await refreshDirectory(refreshDevices);
  } catch (error) {
    return failed("device-error")(error);
  }
  $("device-rows").replaceChildren(...await Promise.all(devices.map(deviceRow)));
}

function deviceState(device) {
  if (device.revoked) return t("admin.devices.revoked");
  if (device.in_service) return t("admin.devices.in_service");
  const back = device.expected_back_at ? ` · ${t("desk.board.expected_back", { time: formatDate(device.expected_back_at) })}` : "";
  return `${t("admin.devices.out")}: ${device.out_of_service_reason || ""}${back}`;
}

async function deviceRow(device) {
  const actions = element("td", {}, [
    button("admin.devices.rename", "rename", () => rename(device)),
    button("admin.devices.enroll", "enroll", () => enroll(device)),
  ]);
  if (!device.revoked) actions.append(button("admin.devices.revoke", "revoke", () => revoke(device), "danger"));
  if (device.kind === "booth") {
    actions.append(device.in_service
      ? button("admin.devices.out_of_service", "out-of-service", () => openOutage(device))
      : button("admin.devices.in_service_again", "in-service", () => backInService(device)));
  }
  return element("tr", { attrs: { "data-device": device.name } }, [
    element("th", { text: device.name, attrs: { scope: "row", dir: "ltr" } }),
    element("td", { text: t(`admin.kind.${device.kind}`) }),
    element("td", { text: device.centre ? centreName(device.centre) : "—" }),
    element("td", { text: deviceState(device) }),
    await keyCell(device, refreshDevices),
    actions,
  ]);
}

// An office terminal belongs to no centre: the centre list is for booths only.
function offerDeviceCentre() {
  $("device-centre").disabled = $("device-kind").value !== "booth";
}
$("device-kind").addEventListener("change", offerDeviceCentre);

$("device-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("device-form-error").textContent = "";
  const kind = $("device-kind").value;
  const body = { kind, label: $("device-label").value.trim() };
  if (kind === "booth") body.centre = $("device-centre").value;
  try {
    await api("POST", "/api/devices", body);
    $("device-label").value = "";
    refreshDevices();
  } catch (error) {
    failed("device-form-error")(error);
  }
});

async function rename(device) {
  const current = device.name.split("/").pop();
  const wanted = window.prompt(t("admin.devices.rename_prompt", { device: device.name }), current);
  if (wanted === null || wanted.trim() === current) return;
  await api("PATCH", `/api/devices/${device.id}`, { label: wanted.trim() }).catch(failed("device-error"));
  refreshDevices();
}

async function enroll(device) {
  $("device-error").textContent = "";
  try {
    const enrollment = await api("POST", `/api/devices/${device.id}/enrollment`, {});
    $("enrollment").hidden = false;
    $("enrollment-text").textContent = t("admin.devices.enrollment_for", {
      device: device.name, time: formatDate(enrollment.expires_at),
    });
    $("enrollment-code").textContent = enrollment.code;
    $("enrollment-qr").src = enrollment.qr_svg;
  } catch (error) {
    failed("device-error")(error);
  }
}

async function revoke(device) {
  if (!window.confirm(t("admin.devices.confirm_revoke", { device: device.name }))) return;
  await api("POST", `/api/devices/${device.id}/revoke`, {}).catch(failed("device-error"));
  refreshDevices();
}

function openOutage(device) {
  outageOf = device;
  $("outage-form").hidden = false;
  $("outage-title").textContent = t("admin.devices.outage_of", { device: device.name });
  $("outage-reason").value = "";
  $("outage-back").value = "";
  $("outage-affected").textContent = "";
  $("outage-reason").focus();
}

$("outage-cancel").addEventListener("click", () => { $("outage-form").hidden = true; });

$("outage-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("device-error").textContent = "";
  const body = { reason: $("outage-reason").value.trim() };
  const back = $("outage-back").value;  // "YYYY-MM-DDTHH:MM", the centres' time
  if (back) body.expected_back_at = centreMoment(...back.split("T"));
  try {
    const result = await api("POST", `/api/devices/${outageOf.id}/out-of-service`, body);
    $("outage-affected").textContent = t("admin.devices.affected", { n: result.affected.length });
    refreshDevices();
  } catch (error) {
    failed("device-error")(error);
  }
});

async function backInService(device) {
  await api("POST", `/api/devices/${device.id}/in-service`, {}).catch(failed("device-error"));
  refreshDevices();
}

// -- request categories and departments ----------------------------------------------------------

const LISTS = [...document.querySelectorAll("[data-list]")].map((box) => ({
  kind: box.dataset.list, box, editing: null,
  form: box.querySelector("[data-form]"), rows: box.querySelector("[data-rows]"),
  error: box.querySelector("[data-error]"),
}));

async function refreshLists() {
  for (const list of LISTS) {
    let entries;
    try {
      entries = (await api("GET", `/api/admin/${list.kind}`))[list.kind];
    } catch (error) {
      list.error.textContent = error.text;
      continue;
    }
    list.rows.replaceChildren(...entries.map((entry) => entryRow(list, entry)));
  }
}

function entryRow(list, entry) {
  return element("tr", { attrs: { "data-code": entry.code } }, [
    element("th", { text: entry.code, attrs: { scope: "row", dir: "ltr" } }),
    element("td", { text: entry.label_ar, attrs: { lang: "ar", dir: "rtl" } }),
    element("td", { text: entry.label_en, attrs: { lang: "en", dir: "ltr" } }),
    element("td", { text: t(entry.active ? "admin.lists.active" : "admin.lists.inactive") }),
    element("td", {}, [
      button("admin.edit", "edit", () => editEntry(list, entry)),
      button(entry.active ? "admin.lists.deactivate" : "admin.lists.activate", "toggle", async () => {
        await change(list, entry.code, { active: !entry.active });
      }),
    ]),
  ]);
}

function editEntry(list, entry) {
  list.editing = entry ? entry.code : null;
  const fields = list.form.elements;
  fields.code.value = entry ? entry.code : "";
  fields.code.disabled = Boolean(entry);
  fields.label_ar.value = entry ? entry.label_ar : "";
  fields.label_en.value = entry ? entry.label_en : "";
  list.form.querySelector("[data-cancel]").hidden = !entry;
  list.error.textContent = "";
}

async function change(list, code, body) {
  list.error.textContent = "";
  try {
    await api("PATCH", `/api/admin/${list.kind}/${encodeURIComponent(code)}`, body);
    refreshLists();
    return true;
  } catch (error) {
    list.error.textContent = error.text;
    return false;
  }
}

for (const list of LISTS) {
  list.form.querySelector("[data-cancel]").addEventListener("click", () => editEntry(list, null));
  list.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = list.form.elements;
    const labels = { label_ar: fields.label_ar.value.trim(), label_en: fields.label_en.value.trim() };
    if (list.editing) {
      if (await change(list, list.editing, labels)) editEntry(list, null);
      return;
    }
    list.error.textContent = "";
    try {
      await api("POST", `/api/admin/${list.kind}`, { code: fields.code.value.trim(), ...labels });
      editEntry(list, null);
      refreshLists();
    } catch (error) {
      list.error.textContent = error.text;
    }
  });
}

onLanguageChange(() => { if (screen && screen !== "signin") REFRESH[screen]?.(); });

await ready;
start();
