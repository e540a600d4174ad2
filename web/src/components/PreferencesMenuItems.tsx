/**
 * The user menu's language and theme choices: each a group of menu radio items (ARIA's
 * menuitemradio inside a menu; a radio group there would break the menu's semantics).
 */
import { forwardRef, useId, type ComponentPropsWithoutRef } from "react";
import { Box, Menu } from "@mantine/core";
import { IconCheck } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { LANGUAGES } from "../i18n/languages";
import { THEMES } from "../preferences/preferences";
import { usePreferences } from "../preferences/usePreferences";

const LANGUAGE_NAMES = { ru: "Русский", en: "English" } as const;

// Mantine's Menu.Item renders its role as "menuitem"; the element it renders is ours, so a
// choice among several can say what it is.
const MenuRadioButton = forwardRef<HTMLButtonElement, ComponentPropsWithoutRef<"button">>(
  function MenuRadioButton(props, ref) {
    return <button type="button" {...props} ref={ref} role="menuitemradio" />;
  },
);

interface Choice {
  value: string;
  label: string;
}

function ChoiceGroup({
  label,
  choices,
  value,
  onChange,
  testId,
}: {
  label: string;
  choices: Choice[];
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  const id = useId();
  return (
    <>
      <Menu.Label id={id}>{label}</Menu.Label>
      <div role="group" aria-labelledby={id} data-testid={testId}>
        {choices.map((choice) => {
          const checked = choice.value === value;
          return (
            <Menu.Item
              key={choice.value}
              component={MenuRadioButton}
              aria-checked={checked}
              closeMenuOnClick={false}
              leftSection={checked ? <IconCheck size={14} aria-hidden /> : <Box w={14} />}
              onClick={() => onChange(choice.value)}
            >
              {choice.label}
            </Menu.Item>
          );
        })}
      </div>
    </>
  );
}

export function PreferencesMenuItems() {
  const { t } = useTranslation();
  const { language, theme, setLanguage, setTheme } = usePreferences();
  return (
    <>
      <ChoiceGroup
        label={t("app.language")}
        testId="language-choice"
        value={language}
        onChange={(value) => setLanguage(value as (typeof LANGUAGES)[number])}
        choices={LANGUAGES.map((value) => ({ value, label: LANGUAGE_NAMES[value] }))}
      />
      <ChoiceGroup
        label={t("app.theme")}
        testId="theme-choice"
        value={theme}
        onChange={(value) => setTheme(value as (typeof THEMES)[number])}
        choices={THEMES.map((value) => ({ value, label: t(`app.themes.${value}`) }))}
      />
    </>
  );
}
