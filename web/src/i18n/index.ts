/** i18next setup: Russian by default (the seed's users speak Russian), English available. */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { ru } from "./ru";
import { en } from "./en";

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "sb.lang";

function initialLanguage(): Language {
  try {
    if (typeof localStorage === "undefined") return "ru";
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "ru") return saved;
  } catch {
    // storage unavailable (private mode): default
  }
  return "ru";
}

void i18n.use(initReactI18next).init({
  resources: { ru: { translation: ru }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: "ru",
  interpolation: { escapeValue: false },
  returnNull: false,
});

const hasDocument = typeof document !== "undefined";

i18n.on("languageChanged", (lng) => {
  if (hasDocument) document.documentElement.lang = lng;
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // ignore
  }
});
if (hasDocument) document.documentElement.lang = i18n.language;

export default i18n;
