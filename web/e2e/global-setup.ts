/**
 * Before the end-to-end run: wait for the stack, then load the demo employees (the API's
 * idempotent `seed-demo`, run with the same API_* environment `make test` gives the
 * services, with the Python the launcher names in SB_PYTHON: a fresh machine has no uv on
 * PATH). SB_E2E_SKIP_SEED=1 skips seeding for a stack that already has them.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const baseURL = process.env.SB_BASE_URL ?? "http://127.0.0.1:18080";

async function waitReady(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseURL}/api/readyz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the stack at ${baseURL} is not ready: ${last}`);
}

export default async function globalSetup(): Promise<void> {
  await waitReady();
  if (process.env.SB_E2E_SKIP_SEED === "1") return;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  // The launcher names the workspace's Python (SB_PYTHON): a fresh machine has no uv on PATH.
  const python = process.env.SB_PYTHON ?? `${root}.venv/bin/python`;
  execFileSync(python, ["-m", "switchboard_api", "seed-demo"], {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  });
}
