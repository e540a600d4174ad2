/** The interface's languages, and which one a browser asks for. */
export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The first of the browser's languages the interface speaks (Russian if none is: the
 * seed's users speak Russian). */
export function browserLanguage(languages: readonly string[] | undefined): Language {
  for (const tag of languages ?? []) {
    const primary = tag.toLowerCase().split("-")[0];
    const found = LANGUAGES.find((lng) => lng === primary);
    if (found) return found;
  }
  return "ru";
}

/** The browser's own languages (none outside a page: Node 21+ has a navigator too). */
export function navigatorLanguages(): readonly string[] {
  if (typeof navigator === "undefined" || typeof document === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}
