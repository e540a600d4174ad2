import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, buildUrl, onUnauthenticated, setCsrfToken, versionFromEtag } from "./client";

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(
    async () =>
      new Response(body === null ? null : JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", ...headers },
      }),
  );
}

describe("api client", () => {
  it("builds query strings without empty values", () => {
    expect(buildUrl("/api/v1/contacts", { q: "анна", tag: "", owner_id: null, limit: 25 })).toBe(
      "/api/v1/contacts?q=%D0%B0%D0%BD%D0%BD%D0%B0&limit=25",
    );
  });

  it("reads versions from ETags", () => {
    expect(versionFromEtag('"7"')).toBe(7);
    expect(versionFromEtag('W/"12"')).toBe(12);
    expect(versionFromEtag(null)).toBeNull();
  });

  it("sends the CSRF token and If-Match on writes only", async () => {
    const fetchMock = respond(200, { id: "c1" }, { ETag: '"4"' });
    vi.stubGlobal("fetch", fetchMock);
    setCsrfToken("tok");
    const res = await api.patch("/api/v1/contacts/c1", { name: "x" }, { ifMatch: 3 });
    expect(res.etag).toBe('"4"');
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).toMatchObject({
      "X-CSRF-Token": "tok",
      "If-Match": '"3"',
      "Content-Type": "application/json",
    });
    await api.get("/api/v1/contacts");
    const [, getInit] = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect(getInit.headers).not.toHaveProperty("X-CSRF-Token");
  });

  it("turns problem+json into ApiError with field errors", async () => {
    vi.stubGlobal(
      "fetch",
      respond(
        422,
        {
          type: "urn:switchboard:problem:invalid-input",
          title: "Invalid input",
          status: 422,
          errors: [
            { field: "phones[0].number", message: "not a phone number" },
            { field: "phones[0].number", message: "second" },
          ],
        },
        { "content-type": "application/problem+json" },
      ),
    );
    const error = await api.post("/api/v1/contacts", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).fieldErrors()).toEqual({ "phones[0].number": "not a phone number" });
  });

  it("tells listeners about a 401 (the session is gone)", async () => {
    vi.stubGlobal("fetch", respond(401, { title: "Authentication required", status: 401 }));
    const heard = vi.fn();
    const stop = onUnauthenticated(heard);
    await api.get("/api/v1/contacts").catch(() => undefined);
    await api.post("/api/v1/auth/login", {}).catch(() => undefined); // a failed login is not an expiry
    stop();
    expect(heard).toHaveBeenCalledTimes(1);
  });
});
