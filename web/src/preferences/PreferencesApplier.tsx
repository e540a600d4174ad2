/**
 * Puts the employee's preferences into effect: the colour theme (Mantine's scheme, the
 * document's `data-mantine-color-scheme`) and the language. Signed out, the page follows the
 * browser (prefers-color-scheme, its languages).
 */
import { useEffect } from "react";
import { useMantineColorScheme } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useAuth } from "../auth/AuthProvider";
import { browserLanguage, navigatorLanguages } from "../i18n/languages";
import { colorSchemeOf, languageToShow } from "./preferences";

export function PreferencesApplier(): null {
  const { me, loading } = useAuth();
  const { setColorScheme } = useMantineColorScheme();
  const { i18n } = useTranslation();
  const theme = me?.preferences.theme;
  const language = me?.preferences.language;
  const signedIn = me !== null;

  useEffect(() => {
    if (!loading) setColorScheme(colorSchemeOf(theme));
  }, [loading, theme, setColorScheme]);

  useEffect(() => {
    if (loading) return;
    const current = i18n.language.startsWith("en") ? "en" : "ru";
    const wanted = languageToShow(language, signedIn, current, browserLanguage(navigatorLanguages()));
    if (wanted !== current) void i18n.changeLanguage(wanted);
  }, [loading, language, signedIn, i18n]);

  return null;
}
