/**
 * The Mantine theme and the CSS variables it resolves per colour scheme. Mantine's defaults
 * miss WCAG AA contrast in a few places (axe-core checks every screen in both schemes:
 * e2e/a11y.spec.ts); the values here are set through Mantine's own resolver, because plain
 * CSS on :root loses to the variables Mantine injects after the stylesheets.
 */
import { createTheme, Menu, type CSSVariablesResolver } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  // Shade 8: white text on filled buttons meets WCAG AA contrast (shade 6 does not).
  primaryShade: 8,
  defaultRadius: "md",
  fontFamily: "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  components: {
    // The placeholder Mantine puts first in a menu to hold the initial focus is a focusable
    // element that is not a menu item (ARIA: a menu owns only items); the first item takes
    // the focus instead.
    Menu: Menu.extend({ defaultProps: { withInitialFocusPlaceholder: false } }),
  },
});

/**
 * Text of the "light" variant (badges, light buttons, the active navigation link) on its
 * own tinted background, in the light scheme: shade 9, or darker where even shade 9 stays
 * under 4.5:1 (computed against the tint over gray-1, the darkest surface it sits on).
 */
const LIGHT_VARIANT_TEXT: Record<string, string> = {
  red: "#bb2727",
  pink: "var(--mantine-color-pink-9)",
  grape: "var(--mantine-color-grape-9)",
  violet: "var(--mantine-color-violet-9)",
  indigo: "var(--mantine-color-indigo-9)",
  blue: "var(--mantine-color-blue-9)",
  cyan: "#0b6d80",
  teal: "#077252",
  green: "#247434",
  lime: "#47720a",
  yellow: "#9f5200",
  orange: "#b23b0c",
};

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    // Our own surfaces: the deals board's columns (and one a card is dragged over), the
    // login page's backdrop.
    "--sb-surface-muted": "var(--mantine-color-gray-0)",
    "--sb-surface-drop": "var(--mantine-color-blue-0)",
    ...Object.fromEntries(
      Object.entries(LIGHT_VARIANT_TEXT).map(([color, value]) => [`--mantine-color-${color}-light-color`, value]),
    ),
  },
  dark: {
    // dark-2 (Mantine's dimmed) is 4.0:1 on the page and 3.5:1 in menus; this is 4.6:1 on
    // dark-5, the lightest surface dimmed text sits on.
    "--mantine-color-dimmed": "#a6a6a6",
    "--sb-surface-muted": "var(--mantine-color-dark-8)",
    "--sb-surface-drop": "var(--mantine-color-dark-5)",
  },
});
