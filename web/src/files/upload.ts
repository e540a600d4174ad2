/**
 * Uploading one file: the API makes a pending attachment and answers with its presigned POST
 * form (or, for a file larger than a part, the layout of its parts: each goes up with its own
 * presigned PUT); the bytes go straight to S3 (through nginx, never through the API) with
 * XMLHttpRequest so the progress can be shown and the upload cancelled; then the API completes it.
 */
import { ApiError, api } from "../api/client";
import type { Schemas } from "../api/schema";

export type Attachment = Schemas["Attachment"];
export type UploadForm = Schemas["UploadForm"];
export type MultipartUpload = Schemas["MultipartUpload"];
type PartLink = Schemas["PartLink"];
type PartLinks = Schemas["PartLinks"];
/** A pending attachment as the API starts it: with the form to upload its bytes with. */
export type StartedAttachment = Schemas["StartedAttachment"];

export class UploadCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "UploadCancelled";
  }
}

/** S3 refused the bytes (its XML answer carries a code such as EntityTooLarge). */
export class StorageRefused extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string) {
    super(code || `HTTP ${status}`);
    this.name = "StorageRefused";
    this.status = status;
    this.code = code;
  }
}

function s3Code(xml: string): string {
  return /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? "";
}

/** Send `body` to S3 with XMLHttpRequest; `onProgress` gets the bytes sent; `signal` aborts it. */
function sendToStorage(
  method: "POST" | "PUT",
  path: string,
  body: Blob | FormData,
  headers: Record<string, string>,
  onProgress: (loaded: number, total: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UploadCancelled());
      return;
    }
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort, { once: true });
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      signal.removeEventListener("abort", abort);
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new StorageRefused(xhr.status, s3Code(xhr.responseText)));
    };
    xhr.onerror = () => reject(new StorageRefused(0, "NetworkError"));
    xhr.onabort = () => reject(new UploadCancelled());
    // The bucket's path on this origin (nginx forwards it to S3), so no cross-origin request
    // is made even when the API names the storage by another spelling of this host: a POST
    // policy's signature covers the policy, not the host, and nginx hands S3 the public host
    // a part's link is signed for.
    const url = new URL(path, window.location.href);
    xhr.open(method, url.pathname + url.search);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.send(body);
  });
}

/** POST the form and then the file to S3; `onProgress` gets 0..1; `signal` aborts it. */
export function postToStorage(
  form: UploadForm,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append("file", file); // S3 reads the fields before the file: it must come last
  return sendToStorage("POST", form.url, body, {}, (loaded, total) => onProgress(loaded / total), signal);
}

/** Parts sent at once: a few keep the line busy between one part's end and the next's start. */
const PARTS_IN_FLIGHT = 3;

/** The parts of a large file, each hashed (S3 refuses other bytes), given its own link and PUT
 * to S3, a few at a time; `onProgress` gets 0..1 over the whole file. */
export async function putParts(
  id: string,
  layout: MultipartUpload,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const sent = new Array<number>(layout.part_count).fill(0);
  const report = () => onProgress(sent.reduce((sum, bytes) => sum + bytes, 0) / file.size);
  // One part failing stops the others (their bytes would be wasted): the whole upload failed.
  const stop = new AbortController();
  const cancel = () => stop.abort();
  signal.addEventListener("abort", cancel, { once: true });
  let next = 1;
  const sendParts = async () => {
    while (next <= layout.part_count) {
      const number = next++;
      const part = file.slice((number - 1) * layout.part_bytes, number * layout.part_bytes);
      const checksum = await sha256Hex(part);
      if (stop.signal.aborted) throw new UploadCancelled();
      const links = await api.post<PartLinks>(`/api/v1/attachments/${id}/parts`, {
        parts: [{ number, checksum_sha256: checksum }],
      });
      const link: PartLink | undefined = links.data.parts[0];
      if (!link) throw new StorageRefused(0, "NoPartLink"); // the API answers every part asked for
      const progress = (loaded: number) => {
        sent[number - 1] = loaded;
        report();
      };
      await sendToStorage("PUT", link.url, part, link.headers, progress, stop.signal);
      progress(part.size);
    }
  };
  const worker = async () => {
    try {
      await sendParts();
    } catch (error) {
      stop.abort();
      throw error;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, layout.part_count) }, worker));
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** The file's SHA-256 as hex, promised when the upload starts: S3 refuses bytes that do not
 * match it and verifies it as they arrive, so the server never reads the file back to hash it.
 * Undefined where the browser offers no Web Crypto (a page not served over HTTPS or from
 * localhost): the server then hashes the file itself. */
export async function sha256Hex(file: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface UploadTarget {
  parentType: string;
  parentId: string;
}

/** The rest of the flow for a file the API has just started (`start`: a pending attachment
 * with its form): the bytes to S3, the completion. A cancelled or failed upload leaves its
 * pending attachment in the trash (the worker removes it for good after a day). */
export async function uploadStarted(
  start: () => Promise<StartedAttachment>,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<Attachment> {
  const { id, upload } = await start();
  try {
    if (upload.method === "multipart") await putParts(id, upload, file, onProgress, signal);
    else await postToStorage(upload, file, onProgress, signal);
    return (await api.post<Attachment>(`/api/v1/attachments/${id}/complete`)).data;
  } catch (error) {
    await api.delete(`/api/v1/attachments/${id}`).catch(() => undefined);
    throw error;
  }
}

/** The whole flow for one file on a record. */
export function uploadFile(
  target: UploadTarget,
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<Attachment> {
  const start = async () =>
    (
      await api.post<StartedAttachment>("/api/v1/attachments", {
        parent_type: target.parentType,
        parent_id: target.parentId,
        name: file.name,
        size: file.size,
        content_type: file.type || "application/octet-stream",
        checksum_sha256: await sha256Hex(file),
      })
    ).data;
  return uploadStarted(start, file, onProgress, signal);
}

/** The i18n key (and values) of why one file was not uploaded. */
export function uploadErrorKey(error: unknown): { key: string; values?: Record<string, unknown> } {
  if (error instanceof UploadCancelled) return { key: "files.cancelled" };
  if (error instanceof ApiError) {
    const fields = error.fieldErrors();
    if ("size" in fields) return { key: "files.tooLarge" };
    if ("content_type" in fields) return { key: "files.typeNotAllowed" };
    if (error.status === 409) return { key: "files.tooMany" };
    return { key: "files.failed", values: { detail: error.message } };
  }
  if (error instanceof StorageRefused) {
    if (error.code === "EntityTooLarge") return { key: "files.tooLarge" };
    return { key: "files.failed", values: { detail: error.message } };
  }
  return { key: "files.failed", values: { detail: String(error) } };
}

/** "1.5 MB"-style sizes (decimal units, as file managers show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Whether the browser may show the file itself (the API serves only these inline). */
export function previewKind(contentType: string): "image" | "pdf" | "audio" | null {
  if (["image/jpeg", "image/png", "image/gif", "image/webp"].includes(contentType)) return "image";
  if (contentType === "application/pdf") return "pdf";
  if (contentType === "audio/mpeg" || contentType === "audio/wav") return "audio";
  return null;
}
