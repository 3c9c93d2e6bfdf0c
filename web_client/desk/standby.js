// Slots are never wasted: each sitting's standby list in the calendar (added from a request
// being booked, put in order, taken off), and a freed slot offered to the first applicant on
// it — one action books her and notes the call in her request's history.

import { t, formatTime } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { isolatedTracking, trackingNode } from "/static/shared/tracking.js";

let desk = null;  // what desk.js lends: bookingFor(), chosenBooth(), refreshCalendar, openRequest, failed

export function wireStandby(given) {
  desk = given;
}

// The sitting's list, in order, with what the desk may do to it.
export async function standbyOf(sittingId) {
  return (await api("GET", `/api/sittings/${sittingId}/standby`)).entries || [];
}

export function standbyPanel(sittingId, entries) {
  const heading = `standby-title-${sittingId}`;
  const list = element("ol", { className: "standby", attrs: { "aria-labelledby": heading } });
  entries.forEach((entry, index) => {
    const actions = element("span", { className: "actions" });
    if (index > 0) {
      const order = entries.map((e) => e.request);
      [order[index - 1], order[index]] = [order[index], order[index - 1]];
      actions.append(button("desk.standby.up", "standby-up", () =>
        api("POST", `/api/sittings/${sittingId}/standby/order`, { request_ids: order })));
    }
    actions.append(button("desk.standby.remove", "standby-remove", () =>
      api("POST", `/api/sittings/${sittingId}/standby/remove`, { request_id: entry.request })));
    list.append(element("li", { attrs: { "data-standby": entry.request } }, [trackingNode(entry.tracking_number), actions]));
  });
  const panel = element("div", { className: "standby-panel", attrs: { "data-standby-of": sittingId } }, [
    element("h4", { key: "desk.standby.title", attrs: { id: heading } }),
  ]);
  panel.append(entries.length ? list : element("p", { key: "desk.standby.empty", className: "muted" }));
  const candidate = desk.bookingFor();
  if (candidate && !entries.some((e) => e.request === candidate.id)) {
    panel.append(button("desk.standby.add", "standby-add", () =>
      api("POST", `/api/sittings/${sittingId}/standby`, { request_id: candidate.id })));
  }
  return panel;
}

// A free slot of a sitting whose standby list is not empty: offer it to the first on it.
export function offerButton(slot, first) {
  const node = element("button", {
    text: t("desk.standby.offer", { tracking: isolatedTracking(first.tracking_number) }),
    attrs: { type: "button", "data-action": "standby-fill" },
  });
  node.addEventListener("click", () => fill(slot.slot, first.request, desk.chosenBooth(), "calendar-error"));
  return node;
}

// After a cancellation on the request page: the freed slot and its first standby applicant.
export function showOffer(answer, booth) {
  const panel = $("offer-panel");
  panel.replaceChildren();
  panel.hidden = !answer.offer;
  if (!answer.offer) return;
  const offer = answer.offer;
  const book = element("button", { key: "desk.standby.book_called", className: "primary", attrs: { type: "button", "data-action": "offer-book" } });
  book.addEventListener("click", () => fill(offer.slot, offer.request, booth, "request-error"));
  panel.append(
    element("p", { text: t(offer.priority ? "desk.standby.freed_priority" : "desk.standby.freed", { time: formatTime(offer.starts_at), tracking: isolatedTracking(offer.tracking_number) }) }),
    book,
  );
}

async function fill(slotId, requestId, booth, errorTarget) {
  try {
    await api("POST", `/api/slots/${slotId}/standby-fill`, { request_id: requestId, booth });
  } catch (error) {
    return desk.failed(errorTarget)(error);
  }
  $("offer-panel").hidden = true;
  await desk.openRequest(requestId);
  $("casework-status").textContent = t("desk.standby.booked");
}

function button(key, name, call) {
  const node = element("button", { key, attrs: { type: "button", "data-action": name } });
  node.addEventListener("click", async () => {
    $("calendar-error").textContent = "";
    try {
      await call();
    } catch (error) {
      return desk.failed("calendar-error")(error);
    }
    desk.refreshCalendar();
  });
  return node;
}
