import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { StorageRefused, UploadCancelled, formatSize, previewKind, sha256Hex, uploadErrorKey } from "./upload";

describe("file uploads", () => {
  it("names why a file was refused, per cause", () => {
    const field = (name: string) =>
      new ApiError({ status: 422, errors: [{ field: name, message: "no" }], detail: `${name}: no` });
    expect(uploadErrorKey(field("size")).key).toBe("files.tooLarge");
    expect(uploadErrorKey(field("content_type")).key).toBe("files.typeNotAllowed");
    expect(uploadErrorKey(new ApiError({ status: 409, detail: "full" })).key).toBe("files.tooMany");
    expect(uploadErrorKey(new StorageRefused(400, "EntityTooLarge")).key).toBe("files.tooLarge");
    expect(uploadErrorKey(new UploadCancelled()).key).toBe("files.cancelled");
    expect(uploadErrorKey(new StorageRefused(403, "AccessDenied"))).toEqual({
      key: "files.failed",
      values: { detail: "AccessDenied" },
    });
  });

  it("formats sizes as file managers do", () => {
    expect(formatSize(999)).toBe("999 B");
    expect(formatSize(1500)).toBe("1.5 kB");
    expect(formatSize(400_018)).toBe("400 kB");
    expect(formatSize(104_857_600)).toBe("105 MB");
  });

  it("previews only the types the API serves inline", () => {
    expect(previewKind("image/png")).toBe("image");
    expect(previewKind("application/pdf")).toBe("pdf");
    expect(previewKind("image/svg+xml")).toBeNull();
    expect(previewKind("text/html")).toBeNull();
  });

  it("hashes a file as S3 verifies it (SHA-256, hex)", async () => {
    expect(await sha256Hex(new Blob(["abc"]))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
