import { createHash, randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { USERS, createContact, realtime, signedIn, unique } from "./helpers";

// A 64x48 PNG and a small PDF, uploaded as the browser would.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAAU0lEQVR4nO3PQQ3AIADAQEAIOpGIrIngcVnSU9DOfe74s6UDXjWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaB9ZrIBvgrj1UYAAAAASUVORK5CYII=",
  "base64",
);
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(400_000, 48), Buffer.from("\n%%EOF\n")]);

test("files: upload two with progress, preview, download, trash and restore; a second viewer sees them", async ({
  browser,
}) => {
  const a = await signedIn(browser, USERS.agent1);
  const contact = await createContact(a.page, { name: `Клиент ${unique()}` });
  const b = await signedIn(browser, USERS.agent2, `/contacts/${contact.id}`);
  await expect.poll(() => realtime.subscribed(b.page, "private-attachments")).toBe(true);
  await a.page.goto(`/contacts/${contact.id}`);
  await expect(a.page.getByRole("heading", { name: "Файлы", exact: true })).toBeVisible();

  // Hold the bytes on their way to S3 for a moment, so each upload's progress bar is seen.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await a.page.route("**/switchboard", async (route) => {
    await held;
    await route.continue();
  });
  // Each completion's answer: the checksum the browser promised, verified by S3 on arrival.
  const completed = new Map<string, string | null>();
  a.page.on("response", async (response) => {
    const path = new URL(response.url()).pathname;
    if (response.request().method() === "POST" && /^\/api\/v1\/attachments\/[^/]+\/complete$/.test(path)) {
      const body = (await response.json()) as { name: string; checksum_sha256: string | null };
      completed.set(body.name, body.checksum_sha256);
    }
  });
  await a.page.locator('input[type="file"]').setInputFiles([
    { name: "фото.png", mimeType: "image/png", buffer: PNG },
    { name: "Договор №1.pdf", mimeType: "application/pdf", buffer: PDF },
  ]);
  // One progress bar per file while its bytes are on their way (at 0 % its filled part has no
  // width, so the bar is checked by its role, the upload by its visible row).
  for (const name of ["фото.png", "Договор №1.pdf"]) {
    await expect(a.page.getByLabel(`Загрузка ${name}`)).toBeVisible();
    await expect(a.page.getByRole("progressbar", { name: `Ход загрузки ${name}` })).toBeAttached();
  }
  release();
  await expect(a.page.getByTestId("file-row")).toHaveCount(2);
  await expect(a.page.getByTestId("file-row").filter({ hasText: "Договор №1.pdf" })).toContainText("400 kB");
  const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
  await expect.poll(() => completed.get("Договор №1.pdf")).toBe(sha256(PDF));
  await expect.poll(() => completed.get("фото.png")).toBe(sha256(PNG));

  // The other viewer sees both appear without reloading.
  await expect(b.page.getByTestId("file-row")).toHaveCount(2);

  // Preview the image (served inline through nginx from S3).
  await a.page.getByRole("button", { name: "Просмотр фото.png" }).click();
  const preview = a.page.getByRole("dialog").getByRole("img", { name: "фото.png" });
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  await a.page.keyboard.press("Escape");

  // Download the PDF: saved under its own (Cyrillic) name.
  const downloading = a.page.waitForEvent("download");
  await a.page.getByRole("link", { name: "Скачать Договор №1.pdf" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("Договор №1.pdf");

  // Trash the PDF: gone from both lists; restore it from the files' trash.
  await a.page.getByRole("button", { name: "В корзину Договор №1.pdf" }).click();
  await expect(a.page.getByTestId("file-row")).toHaveCount(1);
  await expect(b.page.getByTestId("file-row")).toHaveCount(1);
  await a.page.getByRole("button", { name: "Корзина", exact: true }).click();
  await a.page.getByRole("button", { name: "Восстановить Договор №1.pdf" }).click();
  await expect(a.page.getByTestId("file-row")).toHaveCount(0);
  await a.page.getByRole("button", { name: "К файлам" }).click();
  await expect(a.page.getByTestId("file-row")).toHaveCount(2);
  await expect(b.page.getByTestId("file-row")).toHaveCount(2);

  await a.context.close();
  await b.context.close();
});

test("files: a type not accepted is refused for that file alone", async ({ browser }) => {
  const a = await signedIn(browser, USERS.agent1);
  const contact = await createContact(a.page, { name: `Клиент ${unique()}` });
  await a.page.goto(`/contacts/${contact.id}`);
  await a.page.locator('input[type="file"]').setInputFiles([
    { name: "script.html", mimeType: "text/html", buffer: Buffer.from("<script></script>") },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
  ]);
  await expect(a.page.getByRole("alert").filter({ hasText: "Файлы такого типа не принимаются" })).toBeVisible();
  await expect(a.page.getByTestId("file-row")).toHaveCount(1);
  await expect(a.page.getByTestId("file-row")).toContainText("notes.txt");
  await a.context.close();
});

test("files: a file larger than a part goes up in parts, each checked by S3, and downloads whole", async ({
  browser,
}) => {
  const a = await signedIn(browser, USERS.agent1);
  const contact = await createContact(a.page, { name: `Клиент ${unique()}` });
  await a.page.goto(`/contacts/${contact.id}`);
  // 20 MiB: two parts at the default part size (16 MiB), random so no part looks like another.
  const large = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(20 * 1024 * 1024)]);
  const parts: { number: number; checksum: string | null }[] = [];
  a.page.on("request", (request) => {
    const url = new URL(request.url());
    if (request.method() === "PUT" && url.searchParams.has("partNumber")) {
      parts.push({
        number: Number(url.searchParams.get("partNumber")),
        checksum: request.headers()["x-amz-checksum-sha256"] ?? null,
      });
    }
  });
  const completion = a.page.waitForResponse(
    (response) =>
      response.request().method() === "POST" && /\/api\/v1\/attachments\/[^/]+\/complete$/.test(response.url()),
  );
  await a.page
    .locator('input[type="file"]')
    .setInputFiles([{ name: "Архив сканов.pdf", mimeType: "application/pdf", buffer: large }]);
  const done = await completion;
  expect(done.status()).toBe(200);
  const { id } = (await done.json()) as { id: string };
  await expect(a.page.getByTestId("file-row").filter({ hasText: "Архив сканов.pdf" })).toContainText("21 MB");

  // Each part went up with its own link and its own SHA-256, which S3 checked on arrival.
  const sha256 = (data: Buffer, encoding: "hex" | "base64") => createHash("sha256").update(data).digest(encoding);
  const partBytes = 16 * 1024 * 1024;
  expect(parts.map((part) => part.number).sort()).toEqual([1, 2]);
  for (const part of parts) {
    const slice = large.subarray((part.number - 1) * partBytes, part.number * partBytes);
    expect(part.checksum).toBe(sha256(slice, "base64"));
  }
  // The worker hashes the joined file and finds the digest the browser promised for the whole.
  await expect
    .poll(
      async () =>
        ((await (await a.page.request.get(`/api/v1/attachments/${id}`)).json()) as { checksum_sha256: string | null })
          .checksum_sha256,
    )
    .toBe(sha256(large, "hex"));
  const saved = await a.page.request.get(`/api/v1/attachments/${id}/download`);
  expect(saved.status()).toBe(200);
  expect(sha256(await saved.body(), "hex")).toBe(sha256(large, "hex"));
  await a.context.close();
});
