/**
 * The one HTTP client of the app: same-origin fetch with the session cookie, the CSRF
 * header on writes, JSON in and out, and RFC 9457 problem details turned into ApiError.
 */

export interface FieldError {
  field: string;
  message: string;
  source?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  request_id?: string;
}

/** Why the API says a session ended or a sign-in failed (its problem `type`). */
export type SignedOutReason = "expired" | "disabled" | "role-changed";

export function signedOutReason(problem: Problem): SignedOutReason {
  if (problem.type?.endsWith(":account-disabled")) return "disabled";
  if (problem.type?.endsWith(":role-changed")) return "role-changed";
  return "expired";
}

/** An HTTP error from the API, with the problem details it sent (if any). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  /** Field errors keyed by field path ("phones[0].number"), first message wins. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (!(e.field in out)) out[e.field] = e.message;
    }
    return out;
  }
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  etag: string | null;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined>;
  body?: unknown;
  ifMatch?: string | number;
  signal?: AbortSignal;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<(problem: Problem) => void>();

/** The CSRF token of the current session (from login or GET /auth/me). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called whenever an authenticated call answers 401 (the session expired or ended), with
 * the problem that says why. */
export function onUnauthenticated(listener: (problem: Problem) => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** `"3"` -> 3; tolerant of weak ETags. */
export function versionFromEtag(etag: string | null): number | null {
  if (!etag) return null;
  const text = etag.replace(/^W\//, "").replace(/"/g, "");
  const n = Number(text);
  return Number.isInteger(n) ? n : null;
}

export function buildUrl(path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readProblem(response: Response): Promise<Problem> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      return { ...body, status: response.status };
    } catch {
      // fall through to a generic problem
    }
  }
  return { status: response.status, title: response.statusText };
}

/** Perform one API call; throws ApiError for any non-2xx answer. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (options.ifMatch !== undefined) headers["If-Match"] = `"${String(options.ifMatch).replace(/"/g, "")}"`;
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError({ status: 0, title: "Network error", detail: String(err) });
  }
  if (!response.ok) {
    const problem = await readProblem(response);
    if (response.status === 401 && !path.endsWith("/auth/login")) {
      unauthenticatedListeners.forEach((listener) => listener(problem));
    }
    throw new ApiError(problem);
  }
  const etag = response.headers.get("ETag");
  let data: unknown = null;
  if (response.status !== 204) {
    const text = await response.text();
    data = text ? JSON.parse(text) : null;
  }
  return { data: data as T, status: response.status, etag };
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("POST", path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>("PATCH", path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>("DELETE", path, options),
};
