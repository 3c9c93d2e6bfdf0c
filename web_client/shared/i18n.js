// Fills every [data-i18n] element from the ar/en catalogs and keeps <html lang/dir> in step.
// Arabic is the default; the choice is remembered per device.

const STORAGE_KEY = "majlis.lang";
const DIRECTION = { ar: "rtl", en: "ltr" };

export async function loadCatalog(lang) {
  const response = await fetch(`/static/i18n/${lang}.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`catalog ${lang}: HTTP ${response.status}`);
  return response.json();
}

export async function applyLanguage(lang) {
  const catalog = await loadCatalog(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = DIRECTION[lang];
  for (const element of document.querySelectorAll("[data-i18n]")) {
    const text = catalog[element.dataset.i18n];
    if (text !== undefined) element.textContent = text;
  }
  localStorage.setItem(STORAGE_KEY, lang);
  return catalog;
}

export function currentLanguage() {
  return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "ar";
}

export function wireLanguageSwitch(button) {
  button.addEventListener("click", () => {
    applyLanguage(currentLanguage() === "ar" ? "en" : "ar");
  });
}

applyLanguage(currentLanguage());
const languageSwitch = document.querySelector("[data-language-switch]");
if (languageSwitch) wireLanguageSwitch(languageSwitch);
