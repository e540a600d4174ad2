"""``make backup`` / ``make restore``: the database and the S3 bucket, to a directory and back.

A backup directory holds ``database.dump`` (``pg_dump -Fc``: every table, the history and
outbox included, and the migration version), ``objects/`` (every object of the bucket:
recordings, attachments) and ``manifest.json`` (each object's key, size, content type and
SHA-256). ``restore`` puts both back into a stack whose API and worker are stopped: the
database's objects are replaced in one transaction (``pg_restore --clean --single-transaction``)
and the bucket is made an exact mirror of the backup (each object checked against its
checksum first). Redis is not backed up: it holds caches, sessions and queued jobs, which a
restored stack rebuilds or does without.

The connection comes from the variables the API reads (``API_DATABASE_URL``, ``API_S3_*``);
unset, those of the ``make run`` stack. Production does this continuously instead: see
docs/operations.md (WAL archiving, bucket versioning).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config
from profiles import ROOT, External, profile, service_env
from provision import pg_bin_dir

DUMP = "database.dump"
OBJECTS = "objects"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Target:
    """Where the stack's data lives."""

    database_url: str  # libpq form, for pg_dump / pg_restore
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    bucket: str

    @classmethod
    def from_env(cls) -> Target:
        """The API's settings from the environment, else the ``make run`` stack's."""
        env = {**service_env(profile("run"), External.from_env()), **os.environ}
        url = env["API_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
        return cls(
            database_url=url,
            s3_endpoint=env["API_S3_ENDPOINT_URL"],
            s3_access_key=env["API_S3_ACCESS_KEY"],
            s3_secret_key=env["API_S3_SECRET_KEY"],
            bucket=env.get("API_S3_BUCKET", "switchboard"),
        )

    def s3(self) -> Any:
        """An S3 client of the bucket's endpoint."""
        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id=self.s3_access_key,
            aws_secret_access_key=self.s3_secret_key,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bucket_keys(s3: Any, bucket: str) -> list[str]:
    """Every key in the bucket."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def backup(target: Target, directory: Path) -> dict[str, Any]:
    """Dump the database and mirror the bucket into ``directory`` (which must not exist)."""
    directory.mkdir(parents=True)
    subprocess.run(
        [str(pg_bin_dir() / "pg_dump"), "--format=custom", "--no-owner", f"--file={directory / DUMP}",
         f"--dbname={target.database_url}"],
        check=True,
    )  # fmt: skip
    s3 = target.s3()
    objects = []
    for key in bucket_keys(s3, target.bucket):
        path = directory / OBJECTS / key
        path.parent.mkdir(parents=True, exist_ok=True)
        head = s3.head_object(Bucket=target.bucket, Key=key)
        s3.download_file(target.bucket, key, str(path))
        objects.append(
            {"key": key, "size": path.stat().st_size, "sha256": _sha256(path),
             "content_type": head.get("ContentType", "application/octet-stream")}
        )  # fmt: skip
    manifest = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "bucket": target.bucket, "objects": objects}  # fmt: skip
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


class RestoreError(RuntimeError):
    """The backup is incomplete or damaged; nothing was changed."""


def restore(target: Target, directory: Path) -> dict[str, Any]:
    """Put the backup in ``directory`` back: the database, then the bucket as its mirror."""
    manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    for item in manifest["objects"]:  # check everything before changing anything
        path = directory / OBJECTS / item["key"]
        if not path.is_file() or _sha256(path) != item["sha256"]:
            raise RestoreError(f"object {item['key']} is missing or damaged in {directory}")
    if not (directory / DUMP).is_file():
        raise RestoreError(f"{directory / DUMP} is missing")
    subprocess.run(
        [str(pg_bin_dir() / "pg_restore"), "--clean", "--if-exists", "--no-owner",
         "--single-transaction", "--exit-on-error", f"--dbname={target.database_url}",
         str(directory / DUMP)],
        check=True,
    )  # fmt: skip
    s3 = target.s3()
    wanted = {item["key"] for item in manifest["objects"]}
    for key in bucket_keys(s3, target.bucket):
        if key not in wanted:
            s3.delete_object(Bucket=target.bucket, Key=key)
    for item in manifest["objects"]:
        s3.upload_file(
            str(directory / OBJECTS / item["key"]), target.bucket, item["key"],
            ExtraArgs={"ContentType": item["content_type"]},
        )  # fmt: skip
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``backup.py backup [DIR]`` / ``backup.py restore DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("command", choices=["backup", "restore"])
    parser.add_argument("directory", nargs="?", default="")
    args = parser.parse_args(argv)
    target = Target.from_env()
    if args.command == "backup":
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        directory = Path(args.directory or ROOT / ".local" / "backups" / stamp)
        manifest = backup(target, directory)
        print(f"backed up the database and {len(manifest['objects'])} objects to {directory}")
        return 0
    if not args.directory:
        parser.error("restore needs the backup directory (make restore DIR=...)")
    try:
        manifest = restore(target, Path(args.directory))
    except (RestoreError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored the database and {len(manifest['objects'])} objects from {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
