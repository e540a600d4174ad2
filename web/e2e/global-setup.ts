/**
 * Before the end-to-end run: wait for the stack, then load the demo employees (the API's
 * idempotent `seed-demo`, run with the same API_* environment `make test` gives the
 * services). The launcher names its Python (the workspace's, with the API installed) in
 * SB_PYTHON, since uv need not be on PATH; run by hand, `uv run` is used. SB_E2E_SKIP_SEED=1
 * skips seeding for a stack that already has them.
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
  const seed = ["-m", "switchboard_api", "seed-demo"];
  const python = process.env.SB_PYTHON;
  const [command, args] = python ? [python, seed] : ["uv", ["run", "--frozen", "python", ...seed]];
  execFileSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
}
