/**
 * Keyboard focus after an action that replaces what had it (a moved card, a restored row):
 * wait for the element the action leads to, then focus it, so focus never drops to the body.
 */
export function focusWhenReady(selectors: string[], timeoutMs = 4000): void {
  const started = Date.now();
  const attempt = () => {
    // The first choice usually appears with the next render: fall back only after a while.
    const candidates = Date.now() - started < timeoutMs / 2 ? selectors.slice(0, 1) : selectors;
    for (const selector of candidates) {
      const element = document.querySelector<HTMLElement>(selector);
      if (element && element.isConnected && !element.hasAttribute("disabled")) {
        element.focus();
        if (document.activeElement === element) return;
      }
    }
    if (Date.now() - started < timeoutMs) setTimeout(attempt, 50);
  };
  attempt();
}
