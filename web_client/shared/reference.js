// The reference data from GET /api/reference: the centres she serves, the request categories
// and departments offered today, the office terminals. The apps' lists are filled from it and
// every centre, category or department code they show is labelled from it, in the page's
// language (a code it does not hold, such as a retired category, is shown as the code).

import { api } from "/static/shared/api.js";
import { currentLanguage, label, t } from "/static/shared/i18n.js";
import { element } from "/static/shared/page.js";

export const reference = { centres: [], categories: [], departments: [], office_terminals: [], staff: [] };

export async function loadReference({ asDevice = false } = {}) {
  Object.assign(reference, await api("GET", "/api/reference", undefined, { asDevice }));
  return reference;
}

function inLanguage(item, arabic, english) {
  return currentLanguage() === "en" ? item[english] : item[arabic];
}

function find(list, code) {
  return list.find((item) => item.code === code);
}

export function centreName(code) {
  const centre = find(reference.centres, code);
  return centre ? inLanguage(centre, "name_ar", "name_en") : code;
}

export function categoryLabel(code) {
  const category = find(reference.categories, code);
  return category ? inLanguage(category, "label_ar", "label_en") : code;
}

export function departmentLabel(code) {
  const department = find(reference.departments, code);
  return department ? inLanguage(department, "label_ar", "label_en") : code;
}

// A member of staff by her display name (a request's history, a visit's served-by); a name the
// reference does not hold (the scheduler, the system) is looked up in the catalog's actors.
export function staffName(username) {
  const member = reference.staff.find((item) => item.username === username);
  return member ? member.display_name : label("actor", username);
}

// A <select> filled with [value, text] pairs; the choice made before is kept if still offered.
export function fillSelect(select, choices) {
  const chosen = select.value;
  select.replaceChildren(...choices.map(([value, text]) => element("option", { text, attrs: { value } })));
  if (choices.some(([value]) => value === chosen)) select.value = chosen;
}

export const centreChoices = () => reference.centres.map((c) => [c.code, centreName(c.code)]);
export const categoryChoices = () => reference.categories.map((c) => [c.code, categoryLabel(c.code)]);
export const departmentChoices = () => reference.departments.map((d) => [d.code, departmentLabel(d.code)]);
export const officeChoices = () => reference.office_terminals.map((o) => [o.name, deviceLabel(o.name)]);

// A device in words of the page's language: "<centre>/booth-2" is "<centre name> · الكشك 2", "office-1"
// is "مكتب الوزير 1" (the number written in the language's numerals).
export function deviceLabel(name) {
  const booth = /^([^/]+)\/booth-(\d+)$/.exec(name || "");
  if (booth) return `${centreName(booth[1])} · ${t("office.queue.booth", { n: Number(booth[2]) })}`;
  const office = /^office-(\d+)$/.exec(name || "");
  if (office) return t("device.office", { n: Number(office[1]) });
  const other = /^([^/]+)\/(.+)$/.exec(name || "");  // a booth an administrator named freely
  return other ? `${centreName(other[1])} · ${other[2]}` : name;
}
