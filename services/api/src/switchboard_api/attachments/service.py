"""What may happen to files: starting an upload, completing it, links to read it, the files
of a record. A file is read through its parent: the parent type's read permission, and the
parent still live (trashing the parent hides its files; restoring it shows them again)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from switchboard_api.attachments import repository as repo
from switchboard_api.attachments.entity import ATTACHMENTS, guard_attachment, storage_key_for
from switchboard_api.attachments.measuring import needs_measuring
from switchboard_api.attachments.schemas import (
    Attachment,
    AttachmentCreate,
    AttachmentList,
    MultipartUpload,
    PartLinks,
    PartsRequest,
    StartedAttachment,
    Upload,
)
from switchboard_api.attachments.storage import (
    StoredObject,
    download_url,
    finish_multipart,
    part_link,
    part_sizes,
    start_multipart,
    stored_object,
    upload_form,
    uploaded_parts,
)
from switchboard_api.attachments.visibility import check_readable_file, readable_parent
from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.avatars.schemas import AvatarFile
from switchboard_api.errors import Conflict, NotFound
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.deps import lifecycle_service, record_cache
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.lifecycle.service import Saved
from switchboard_api.lifecycle.validation import invalid
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session

INSPECT_JOB = "attachments_inspect"
LIST_LIMIT = 500


class AttachmentService:
    """The writes of files for one caller, in the request's unit of work."""

    def __init__(self, resources: Resources, uow: UnitOfWork, principal: Principal) -> None:
        self.resources = resources
        self.uow = uow
        self.principal = principal

    async def create(self, data: AttachmentCreate | AvatarFile) -> Saved:
        """A pending file on a live record the caller may read, within the record's file
        limit; its bytes go to S3 with the form :meth:`upload_form` hands out. (An avatar's
        file is started by ``avatars.service``, which checks who may.)"""
        require(self.principal, ATTACHMENTS.name, Action.CREATE)
        session, settings = self.uow.session, self.resources.settings
        # Locked: two uploads to one record cannot both pass the limit.
        await readable_parent(session, self.principal, data.parent_type, data.parent_id, lock=True)
        held = await repo.count_for_parent(session, data.parent_type, data.parent_id)
        if held >= settings.attachments_per_record:
            raise Conflict(
                f"{data.parent_type} {data.parent_id} holds {held} files, the most allowed"
            )
        return await lifecycle_service(
            ATTACHMENTS, self.resources, self.uow, self.principal
        ).create(data)

    async def start(self, data: AttachmentCreate | AvatarFile) -> tuple[Saved, StartedAttachment]:
        """:meth:`create`, answered at once with how to upload the bytes (one call fewer per
        file): the form, or for a file larger than a part, a multipart upload's layout."""
        saved = await self.create(data)
        record = saved.record
        assert isinstance(record, Attachment)  # the type's read schema
        key = storage_key_for(saved.id)
        upload: Upload
        if record.size > self.resources.settings.attachments_part_bytes:
            # Started now, so its parts may be sent at once; an upload never completed is
            # aborted when its file is erased (the stale uploads' cleaner, a purge).
            upload_id = await start_multipart(self.resources, key, content_type=record.content_type)
            await repo.set_upload_id(self.uow.session, saved.id, upload_id)
            upload = self._layout(record.size)
        else:
            upload = await upload_form(
                self.resources,
                key,
                size=record.size,
                content_type=record.content_type,
                checksum_sha256=record.checksum_sha256,
            )
        return saved, StartedAttachment(**msgspec.structs.asdict(record), upload=upload)

    def _layout(self, size: int) -> MultipartUpload:
        part_bytes = self.resources.settings.attachments_part_bytes
        return MultipartUpload(part_bytes=part_bytes, part_count=len(part_sizes(size, part_bytes)))

    async def upload_form(self, record_id: uuid.UUID) -> Upload:
        """How to upload a pending file's bytes, asked again once a form expires: a fresh
        presigned POST form, or a large file's part layout; 409 once the file is completed."""
        current = await self._pending(record_id)
        if current["upload_id"] is not None:
            return self._layout(current["size"])
        return await upload_form(
            self.resources,
            current["storage_key"],
            size=current["size"],
            content_type=current["content_type"],
            checksum_sha256=current["checksum_sha256"],
        )

    async def part_links(self, record_id: uuid.UUID, request: PartsRequest) -> PartLinks:
        """Presigned PUT links for parts of a large pending file, each pinned to its part's
        length and, if given, its SHA-256; 422 naming a part number the file does not have,
        409 for a file uploaded with one form or already completed."""
        current = await self._pending(record_id)
        if current["upload_id"] is None:
            raise Conflict(f"attachment {record_id} is uploaded with one form, not in parts")
        sizes = part_sizes(current["size"], self.resources.settings.attachments_part_bytes)
        for index, part in enumerate(request.parts):
            if part.number > len(sizes):
                raise invalid(f"parts[{index}].number", f"the file has {len(sizes)} parts")
        links = [
            await part_link(
                self.resources,
                current["storage_key"],
                current["upload_id"],
                number=part.number,
                size=sizes[part.number - 1],
                checksum_sha256=part.checksum_sha256 or None,
            )
            for part in request.parts
        ]
        seconds = self.resources.settings.attachments_upload_seconds
        return PartLinks(parts=links, expires_at=datetime.now(UTC) + timedelta(seconds=seconds))

    async def _pending(self, record_id: uuid.UUID) -> Row:
        """The live file, still pending (409 once completed), if the caller may upload it."""
        require(self.principal, ATTACHMENTS.name, Action.CREATE)
        current = await self._live(record_id, lock=False)
        if current["status"] != "pending":
            raise Conflict(f"attachment {record_id} is already uploaded")
        return current

    async def _live(self, record_id: uuid.UUID, *, lock: bool) -> Row:
        """The live file, if the caller may read its live parent and, for an avatar, change
        it (403/404 otherwise)."""
        session = self.uow.session
        current = await LifecycleRepository(session, ATTACHMENTS).get(record_id, lock=lock)
        if current is None or current["deleted_at"] is not None:
            raise NotFound(f"no live attachments record {record_id}")
        await readable_parent(session, self.principal, current["parent_type"], current["parent_id"])
        guard_attachment("upload", current, self.principal)
        return current

    async def complete(self, record_id: uuid.UUID) -> Saved:
        """Mark a pending file uploaded once S3 holds its object with the promised size, type
        and checksum (409 if nothing arrived, 422 naming what differs); then queue its
        measuring if the worker has any to do (no reading back a file S3 has hashed)."""
        require(self.principal, ATTACHMENTS.name, Action.UPDATE)
        writer = RecordWriter(
            ATTACHMENTS,
            self.uow,
            record_cache(self.resources),
            actor=self.principal.user_id,
            actor_session=self.principal.session_id,
        )
        current = await self._live(record_id, lock=True)
        if current["status"] == "ready":  # completed already: a repeat is harmless
            return _saved(current)
        if current["upload_id"] is not None:
            return await self._complete_parts(writer, current)
        stored = await stored_object(self.resources, current["storage_key"])
        if stored is None:
            raise Conflict(f"no file has been uploaded for attachment {record_id} yet")
        self._check_arrived(current, stored)
        promised = current["checksum_sha256"]
        if promised is not None and stored.checksum_sha256 != promised:
            found = stored.checksum_sha256 or "none"
            raise invalid("checksum_sha256", f"the file arrived with SHA-256 {found}")
        values = {"status": "ready", "uploaded_at": datetime.now(UTC)}
        if stored.checksum_sha256 is not None:  # verified by S3 as the bytes arrived
            values["checksum_sha256"] = stored.checksum_sha256
        row = await writer.update(current, values)
        if needs_measuring(row):  # unhashed, or an image: the worker reads it back
            self._measure(record_id)
        return _saved(row)

    async def _complete_parts(self, writer: RecordWriter, current: Row) -> Saved:
        """Join a large file's parts once S3 holds every one with its length (409 naming
        the parts missing, 422 for one of another length); the worker then hashes the
        whole file (S3 keeps only each part's digest) and checks it against the SHA-256
        promised at the start, if one was."""
        record_id, key, upload_id = current["id"], current["storage_key"], current["upload_id"]
        sizes = part_sizes(current["size"], self.resources.settings.attachments_part_bytes)
        held = await uploaded_parts(self.resources, key, upload_id)
        missing = [number for number in range(1, len(sizes) + 1) if number not in held]
        if missing:
            raise Conflict(f"attachment {record_id} still lacks parts {missing} of {len(sizes)}")
        etags = []
        for number, size in enumerate(sizes, 1):
            fitting = [etag for held_size, etag in held[number] if held_size == size]
            if not fitting:
                found = held[number][-1][0]
                raise invalid("size", f"part {number} holds {found} bytes, not {size}")
            etags.append(fitting[-1])  # the latest sent of the right length
        await finish_multipart(self.resources, key, upload_id, etags)
        stored = await stored_object(self.resources, key)
        if stored is None:  # joined a moment ago: only a purge racing us removes it
            raise Conflict(f"the upload of attachment {record_id} was removed meanwhile")
        self._check_arrived(current, stored)
        values = {
            "status": "ready",
            "uploaded_at": datetime.now(UTC),
            "upload_id": None,
            "checksum_sha256": None,  # measured by the worker: S3 has no whole-file digest
        }
        row = await writer.update(current, values)
        self._measure(record_id, promised_sha256=current["checksum_sha256"])
        return _saved(row)

    @staticmethod
    def _check_arrived(current: Row, stored: StoredObject) -> None:
        """422 naming the size or type if the object differs from what was promised."""
        if stored.size != current["size"]:
            raise invalid("size", f"{stored.size} bytes arrived, {current['size']} were promised")
        if stored.content_type != current["content_type"]:
            raise invalid("content_type", f"the file arrived as {stored.content_type}")

    def _measure(self, record_id: uuid.UUID, *, promised_sha256: str | None = None) -> None:
        """After the commit: the worker hashes/measures the file."""
        self.uow.enqueue(
            INSPECT_JOB,
            key=f"inspect-attachment:{record_id}",
            attachment_id=str(record_id),
            promised_sha256=promised_sha256,
        )


def _read(row: Row) -> Attachment:
    record = to_read(ATTACHMENTS, row)
    assert isinstance(record, Attachment)  # the type's read schema
    return record


def _saved(row: Row) -> Saved:
    return Saved(record=to_read(ATTACHMENTS, row), version=row["version"], id=row["id"])


async def _readable_file(resources: Resources, principal: Principal, record_id: uuid.UUID) -> Row:
    """A completed, live file whose parent the caller may read (403) and is live (404)."""
    require(principal, ATTACHMENTS.name, Action.READ)
    async with read_session(resources.sessionmaker) as session:
        row = await LifecycleRepository(session, ATTACHMENTS).get(record_id)
        if row is None or row["deleted_at"] is not None:
            raise NotFound(f"no downloadable attachments record {record_id}")
        await check_readable_file(session, principal, row)
    return row


async def file_link(
    resources: Resources, principal: Principal, record_id: uuid.UUID, *, inline: bool
) -> str:
    """A short-lived link to the file, saved under its own name (shown in the browser if
    asked and its type is safe to show)."""
    row = await _readable_file(resources, principal, record_id)
    return await download_url(
        resources,
        row["storage_key"],
        name=row["name"],
        content_type=row["content_type"],
        inline=inline,
    )


async def thumbnail_link(resources: Resources, principal: Principal, record_id: uuid.UUID) -> str:
    """A short-lived link to the file's thumbnail (a JPEG); 404 if it has none (yet)."""
    row = await _readable_file(resources, principal, record_id)
    if row["thumbnail_key"] is None:
        raise NotFound(f"attachment {record_id} has no thumbnail")
    name = f"{row['name'].rsplit('.', 1)[0]}.jpg"
    return await download_url(
        resources, row["thumbnail_key"], name=name, content_type="image/jpeg", inline=True
    )


async def files_of(
    resources: Resources,
    principal: Principal,
    parent_type: str,
    parent_id: uuid.UUID,
    *,
    trashed: bool,
) -> AttachmentList:
    """The completed files of a live record the caller may read (its trash if asked)."""
    require(principal, ATTACHMENTS.name, Action.READ)
    async with read_session(resources.sessionmaker) as session:
        await readable_parent(session, principal, parent_type, parent_id)
        rows = await repo.list_for_parent(
            session, parent_type, parent_id, trashed=trashed, limit=LIST_LIMIT
        )
    return AttachmentList(items=[_read(row) for row in rows])
