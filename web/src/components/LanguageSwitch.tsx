/** Русский / English. */
import { SegmentedControl } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t("app.language")}
      value={i18n.language.startsWith("en") ? "en" : "ru"}
      onChange={(lng) => void i18n.changeLanguage(lng)}
      data={[
        { value: "ru", label: "Русский" },
        { value: "en", label: "English" },
      ]}
    />
  );
}
