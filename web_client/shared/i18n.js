// Fills every [data-i18n] element (and [data-i18n-placeholder], [data-i18n-label]) from the
// ar/en catalogs and keeps <html lang/dir> in step. Arabic is the default; the choice is
// remembered per device. t(key, vars) is for text built in code.
import { CENTRE_TIME_ZONE } from "/static/shared/centre_time.js";

const STORAGE_KEY = "majlis.lang";
const DIRECTION = { ar: "rtl", en: "ltr" };
let catalog = {};
const listeners = [];

export async function loadCatalog(lang) {
  const response = await fetch(`/static/i18n/${lang}.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`catalog ${lang}: HTTP ${response.status}`);
  return response.json();
}

// One numeral system a language, used for every number shown (timers, counts, figures, dates,
// tracking numbers, device numbers): Western digits in Arabic too (docs/ARCHITECTURE.md,
// "Arabic text"), so that what she reads on a screen or in an SMS is what she types on a keypad.
const NUMBERING_SYSTEM = { ar: "latn", en: "latn" };

// The language's locale with its numeral system, for Intl formatters elsewhere (Chart.js).
export function numberLocale(lang = currentLanguage()) {
  return `${locale(lang)}-u-nu-${NUMBERING_SYSTEM[lang]}`;
}

function locale(lang = currentLanguage()) {
  return `${lang}-SA`;
}

export function formatNumber(value, options = {}) {
  const lang = currentLanguage();
  return new Intl.NumberFormat(locale(lang), { numberingSystem: NUMBERING_SYSTEM[lang], ...options }).format(value);
}

// A catalog entry is a text, or its plural forms: an object keyed by CLDR plural category
// ("zero", "one", "two", "few", "many", "other" in Arabic; "one", "other" in English), chosen
// by Intl.PluralRules from the variable "count". Numbers among the variables are written in
// the language's numeral system.
export function pluralForm(entry, count, lang = currentLanguage()) {
  const category = new Intl.PluralRules(locale(lang)).select(count);
  return entry[category] ?? entry.other;
}

export function t(key, vars = {}) {
  let text = catalog[key];
  if (text === undefined) return key;
  if (typeof text === "object") text = pluralForm(text, Number(vars.count));
  for (const [name, value] of Object.entries(vars)) {
    text = text.replaceAll(`{${name}}`, typeof value === "number" ? formatNumber(value) : String(value));
  }
  return text;
}

// A code's label from the catalog ("role.admin"), or the code itself when it has none. Centres,
// categories and departments are data, labelled from the server (shared/reference.js).
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  return catalog[key] === undefined ? code : catalog[key];
}

export function translate(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    const key = element.dataset.i18n;
    if (typeof catalog[key] === "string") element.textContent = catalog[key];
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  for (const element of root.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
}

export async function applyLanguage(lang) {
  catalog = await loadCatalog(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = DIRECTION[lang];
  translate();
  localStorage.setItem(STORAGE_KEY, lang);
  for (const listener of listeners) listener(lang);
  return catalog;
}

export function currentLanguage() {
  return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "ar";
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

// Hijri (Umm al-Qura) and Gregorian, both, in the page's language.
export function formatDate(iso, { time = true } = {}) {
  const moment = new Date(iso);
  const lang = currentLanguage();
  const options = {
    timeZone: CENTRE_TIME_ZONE, day: "numeric", month: "long", year: "numeric", numberingSystem: NUMBERING_SYSTEM[lang],
  };
  const hijri = new Intl.DateTimeFormat(locale(lang), { ...options, calendar: "islamic-umalqura" }).format(moment);
  const gregorian = new Intl.DateTimeFormat(locale(lang), { ...options, calendar: "gregory" }).format(moment);
  const clock = time ? ` · ${formatTime(iso)}` : "";
  return `${hijri} (${gregorian})${clock}`;
}

export function formatTime(iso) {
  const lang = currentLanguage();
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: CENTRE_TIME_ZONE, hour: "numeric", minute: "2-digit", numberingSystem: NUMBERING_SYSTEM[lang],
  }).format(new Date(iso));
}

export const ready = applyLanguage(currentLanguage());
const languageSwitch = document.querySelector("[data-language-switch]");
if (languageSwitch) {
  languageSwitch.addEventListener("click", () => {
    applyLanguage(currentLanguage() === "ar" ? "en" : "ar");
  });
}
