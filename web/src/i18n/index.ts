/**
 * i18next setup: Russian and English. Until someone signs in the page speaks the browser's
 * language; after that, the employee's own choice, kept on the server (src/preferences),
 * so nothing is remembered per browser here.
 */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { ru } from "./ru";
import { en } from "./en";
import { browserLanguage, navigatorLanguages } from "./languages";

export { LANGUAGES, browserLanguage, navigatorLanguages, type Language } from "./languages";

void i18n.use(initReactI18next).init({
  resources: { ru: { translation: ru }, en: { translation: en } },
  lng: browserLanguage(navigatorLanguages()),
  fallbackLng: "ru",
  interpolation: { escapeValue: false },
  returnNull: false,
});

const hasDocument = typeof document !== "undefined";

i18n.on("languageChanged", (lng) => {
  if (hasDocument) document.documentElement.lang = lng;
});
if (hasDocument) document.documentElement.lang = i18n.language;

export default i18n;
