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

export function t(key, vars = {}) {
  let text = catalog[key];
  if (text === undefined) return key;
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
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
    if (catalog[key] !== undefined) element.textContent = catalog[key];
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
  const options = { timeZone: CENTRE_TIME_ZONE, day: "numeric", month: "long", year: "numeric" };
  const hijri = new Intl.DateTimeFormat(`${lang}-SA-u-ca-islamic-umalqura`, options).format(moment);
  const gregorian = new Intl.DateTimeFormat(`${lang}-SA-u-ca-gregory`, options).format(moment);
  const clock = time ? ` · ${formatTime(iso)}` : "";
  return `${hijri} (${gregorian})${clock}`;
}

export function formatTime(iso) {
  return new Intl.DateTimeFormat(`${currentLanguage()}-SA`, {
    timeZone: CENTRE_TIME_ZONE, hour: "numeric", minute: "2-digit",
  }).format(new Date(iso));
}

export const ready = applyLanguage(currentLanguage());
const languageSwitch = document.querySelector("[data-language-switch]");
if (languageSwitch) {
  languageSwitch.addEventListener("click", () => {
    applyLanguage(currentLanguage() === "ar" ? "en" : "ar");
  });
}
