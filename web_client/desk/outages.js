// A booth out of service, on the board: its reason and expected return, setting it out and
// back, and the appointments it affects — each moved to another booth of the centre at the
// same time, or rescheduled in the calendar (the desk's own reschedule path).

import { t, formatDate } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { centreMoment } from "/static/shared/centre_time.js";

let desk = null;      // what desk.js lends: boothName, booths(), refreshBoard, reschedule, failed
let choosing = null;  // the board row being set out of service
let shown = null;     // the board row whose affected appointments are listed

export function wireOutages(given) {
  desk = given;
  $("outage-cancel").addEventListener("click", () => closeForm());
  $("outage-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("outage-error").textContent = "";
    const day = $("outage-day").value;
    const body = { reason: $("outage-reason").value };
    if (day) body.expected_back_at = centreMoment(day, $("outage-time").value || "09:00");
    try {
      const result = await api("POST", `/api/devices/${choosing.device_id}/out-of-service`, body);
      const booth = choosing;
      closeForm();
      render(booth, result.affected);
      desk.refreshBoard();
    } catch (error) {
      desk.failed("outage-error")(error);
    }
  });
}

// The board's "service" cell: in service, nothing; out of it, why and until when.
export function serviceCell(booth) {
  if (booth.in_service) return element("td", { text: "—" });
  const back = booth.expected_back_at
    ? ` · ${t("desk.board.expected_back", { time: formatDate(booth.expected_back_at) })}` : "";
  return element("td", { text: `${booth.out_of_service_reason || ""}${back}`, attrs: { "data-service": "" } });
}

export function actionsCell(booth, mayService) {
  const cell = element("td");
  if (!mayService) return cell;
  if (booth.in_service) {
    cell.append(button("desk.board.take_out", "take-out", () => openForm(booth)));
  } else {
    cell.append(
      button("desk.board.show_affected", "show-affected", () => reload(booth)),
      button("desk.board.bring_back", "bring-back", async () => {
        await api("POST", `/api/devices/${booth.device_id}/in-service`).catch(desk.failed("page-error"));
        if (shown && shown.device_id === booth.device_id) close();
        desk.refreshBoard();
      }),
    );
  }
  return cell;
}

// After a move or a reschedule: the list as the server has it now.
export async function reloadAffected() {
  if (shown) await reload(shown);
}

function button(key, name, run) {
  const node = element("button", { key, attrs: { type: "button", "data-action": name } });
  node.addEventListener("click", run);
  return node;
}

function openForm(booth) {
  choosing = booth;
  $("outage-title").textContent = t("desk.outage.title", { booth: desk.boothName(booth.device) });
  $("outage-reason").value = "";
  $("outage-day").value = "";
  $("outage-error").textContent = "";
  $("outage-form").hidden = false;
  $("outage-reason").focus();
}

function closeForm() {
  choosing = null;
  $("outage-form").hidden = true;
}

function close() {
  shown = null;
  $("affected-panel").hidden = true;
}

async function reload(booth) {
  try {
    const { affected } = await api("GET", `/api/devices/${booth.device_id}/affected`);
    render(booth, affected);
  } catch (error) {
    desk.failed("page-error")(error);
  }
}

function render(booth, affected) {
  shown = booth;
  $("affected-panel").hidden = false;
  $("affected-title").textContent = t("desk.affected.title", { booth: desk.boothName(booth.device) });
  $("affected-error").textContent = "";
  $("affected-empty").hidden = affected.length > 0;
  const list = $("affected-list");
  list.replaceChildren();
  const others = desk.booths().filter((b) => b.centre === booth.centre && b.in_service && b.device !== booth.device);
  for (const appointment of affected) {
    const item = element("li", { attrs: { "data-appointment": appointment.appointment } }, [
      element("p", { text: `${formatDate(appointment.starts_at)} · ${appointment.tracking_number || "—"} · ${t(`appointment.${appointment.status}`)}` }),
    ]);
    const actions = element("div", { className: "actions" });
    if (others.length > 0) {
      const id = `move-to-${appointment.appointment}`;
      const select = element("select", { attrs: { id, "data-move-to": "" } });
      for (const other of others) {
        select.append(element("option", { text: desk.boothName(other.device), attrs: { value: other.device } }));
      }
      actions.append(
        element("label", { key: "desk.affected.move_to", attrs: { for: id } }),
        select,
        button("desk.affected.move", "move", () => move(appointment, select.value)),
      );
    } else {
      actions.append(element("span", { key: "desk.affected.no_booth", className: "muted" }));
    }
    actions.append(button("desk.affected.reschedule", "reschedule", () => desk.reschedule(appointment)));
    item.append(actions);
    list.append(item);
  }
}

async function move(appointment, booth) {
  $("affected-status").textContent = "";
  $("affected-error").textContent = "";
  try {
    await api("POST", `/api/appointments/${appointment.appointment}/move`, { booth });
  } catch (error) {
    return desk.failed("affected-error")(error);
  }
  await reloadAffected();
  $("affected-status").textContent = t("desk.affected.moved");
}
