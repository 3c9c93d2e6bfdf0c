// The priority rebooking list on the board (issue 16): applicants whose audience ended as a
// technical failure, to be called and rebooked before anyone on a standby list, oldest first;
// those that failed today are marked. Each opens her request, where she is booked again (which
// takes her off the list).

import { t, formatDate } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { centreToday } from "/static/shared/centre_time.js";
import { trackingNode } from "/static/shared/tracking.js";

export async function refreshRebooking(desk) {  // desk: { openRequest(id), failed(target) }
  let priority;
  try {
    ({ priority } = await api("GET", "/api/priority-rebooking"));
  } catch (error) {
    return desk.failed("page-error")(error);
  }
  $("rebooking-empty").hidden = priority.length > 0;
  const list = $("rebooking-list");
  list.replaceChildren();
  const today = centreToday();
  for (const entry of priority) {
    const open = element("button", { key: "desk.calendar.open", attrs: { type: "button" } });
    open.addEventListener("click", () => desk.openRequest(entry.request));
    const failedToday = centreToday(new Date(entry.failed_audience_at)) === today;
    const mark = failedToday
      ? [element("span", { key: "desk.rebooking.today", className: "badge warn", attrs: { "data-today": "" } }), " "]
      : [];
    list.append(element("li", { attrs: { "data-rebooking": entry.request } }, [
      trackingNode(entry.tracking_number),
      ` · ${t("desk.rebooking.failed_at", { time: formatDate(entry.failed_audience_at) })} `,
      ...mark,
      open,
    ]));
  }
}
