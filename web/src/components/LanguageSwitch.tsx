/** Русский / English: the employee's choice, kept on the server once signed in. */
import { SegmentedControl } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Language } from "../i18n/languages";
import { usePreferences } from "../preferences/usePreferences";

export function LanguageSwitch() {
  const { t } = useTranslation();
  const { language, setLanguage } = usePreferences();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t("app.language")}
      value={language}
      onChange={(lng) => setLanguage(lng as Language)}
      data={[
        { value: "ru", label: "Русский" },
        { value: "en", label: "English" },
      ]}
    />
  );
}
