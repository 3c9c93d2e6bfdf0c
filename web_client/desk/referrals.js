// A request to its end, on the request page: referred to a department with a due date, the
// department's reply recorded, the request closed as resolved or as not possible (with the
// reason). On the board: the referrals past their due date with no reply, and today's
// reminders of them.

import { t, formatDate } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { centreToday } from "/static/shared/centre_time.js";
import { departmentChoices, departmentLabel, fillSelect, centreName } from "/static/shared/reference.js";
import { trackingNode } from "/static/shared/tracking.js";

let desk = null;  // what desk.js lends: current(), openRequest(id), failed(target)

const REFERABLE = ["under_review", "heard", "department_replied"];
const CLOSABLE = ["under_review", "heard", "referred", "department_replied"];

export function wireReferrals(given) {
  desk = given;
  $("refer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run("refer-error", () => api("POST", `/api/requests/${desk.current().id}/referrals`, {
      department: $("refer-department").value,
      due_on: $("refer-due").value,
      note: $("refer-note").value,
    }), "desk.referral.referred");
  });
  $("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run("close-error", () => api("POST", `/api/requests/${desk.current().id}/close`, {
      outcome: $("close-outcome").value,
      reason: $("close-reason").value,
    }), "desk.closing.closed");
  });
}

export function fillReferralLists() {
  fillSelect($("refer-department"), departmentChoices());
}

// The request page's referrals and what may be done next.
export function renderReferrals(details) {
  const list = $("req-referrals");
  list.replaceChildren();
  for (const referral of details.referrals) {
    const item = element("li", { attrs: { "data-referral": referral.id } }, [
      element("p", { text: `${departmentLabel(referral.department)} · ${t("desk.referral.due", { day: formatDate(`${referral.due_on}T12:00:00+03:00`, { time: false }) })}` }),
    ]);
    if (referral.note) item.append(element("p", { text: referral.note, className: "muted" }));
    if (referral.reply !== null) {
      item.append(element("p", { attrs: { "data-reply": "" } }, [
        element("strong", { key: "desk.referral.reply" }), " ", referral.reply,
      ]));
    } else if (details.status === "referred") {
      item.append(replyForm(referral));
    }
    list.append(item);
  }
  $("req-referrals-empty").hidden = details.referrals.length > 0;
  $("refer-form").hidden = !REFERABLE.includes(details.status);
  $("close-form").hidden = !CLOSABLE.includes(details.status);
  if (!$("refer-due").value) $("refer-due").value = dayAfter(centreToday(), 14);
}

function replyForm(referral) {
  const id = `reply-${referral.id}`;
  const form = element("form", { className: "stack narrow", attrs: { "data-reply-form": "" } }, [
    element("label", { key: "desk.referral.reply", attrs: { for: id } }),
    element("textarea", { attrs: { id, rows: "3", maxlength: "5000" } }),
    element("button", { key: "desk.referral.record_reply", className: "primary", attrs: { type: "submit" } }),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run("refer-error", () => api("POST", `/api/referrals/${referral.id}/reply`, { reply: $(id).value }), "desk.referral.replied");
  });
  return form;
}

async function run(errorTarget, call, doneKey) {
  for (const target of ["refer-error", "close-error", "casework-status"]) $(target).textContent = "";
  try {
    await call();
  } catch (error) {
    return desk.failed(errorTarget)(error);
  }
  $("refer-note").value = "";
  $("close-reason").value = "";
  await desk.openRequest(desk.current().id);
  $("casework-status").textContent = t(doneKey);
}

function dayAfter(day, days) {
  const moment = new Date(`${day}T12:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

// -- the board: overdue referrals and today's reminders --------------------------------------------

export async function refreshOverdue() {
  let overdue, notices;
  try {
    [{ referrals: overdue }, { notices }] = await Promise.all([
      api("GET", "/api/referrals/overdue"),
      api("GET", "/api/notices"),
    ]);
  } catch (error) {
    return desk.failed("page-error")(error);
  }
  const reminded = new Set(notices.map((n) => n.subject));
  const rows = $("overdue-rows");
  rows.replaceChildren();
  $("overdue-empty").hidden = overdue.length > 0;
  $("overdue-table").hidden = overdue.length === 0;
  for (const late of overdue) {
    const open = element("button", { key: "desk.calendar.open", attrs: { type: "button" } });
    open.addEventListener("click", () => desk.openRequest(late.request));
    const cells = [
      element("td", {}, [trackingNode(late.tracking_number)]),
      element("td", { text: centreName(late.centre) }),
      element("td", { text: departmentLabel(late.department) }),
      element("td", { text: formatDate(`${late.due_on}T12:00:00+03:00`, { time: false }) }),
      element("td", { text: t("desk.overdue.days_late", { count: late.days_late }) }),
      element("td", {}, reminded.has(`referral:${late.referral}`)
        ? [element("span", { key: "desk.overdue.reminded", className: "badge", attrs: { "data-reminded": "" } })] : []),
      element("td", {}, [open]),
    ];
    rows.append(element("tr", { attrs: { "data-referral": late.referral } }, cells));
  }
}
