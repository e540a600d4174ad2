"""Attachment routes: the generic lifecycle (its create replaced by the upload start), plus
completing an upload, download and thumbnail links, and the files of one record."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_302_FOUND

from switchboard_api.attachments.entity import ATTACHMENTS
from switchboard_api.attachments.schemas import (
    Attachment,
    AttachmentCreate,
    AttachmentList,
    ParentType,
    PartLinks,
    PartsRequest,
    StartedAttachment,
    Upload,
)
from switchboard_api.attachments.service import (
    AttachmentService,
    file_link,
    files_of,
    thumbnail_link,
)
from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.http import ETAG_HEADER, LOCATION_HEADER, etag, problems
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.lifecycle.service import Saved
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork

NO_STORE = {"Cache-Control": "no-store"}


def _attachment(saved: Saved) -> Attachment:
    record = saved.record
    assert isinstance(record, Attachment)  # the type's read schema
    return record


@post(
    "/",
    name="attachments:create",
    summary="Start a file on a record",
    description=(
        "Creates a pending file on a live record the caller may read, answered with how to "
        "send its bytes to S3 (`upload`): a form (`method` `post`; `/upload` hands out a "
        "fresh one if it expires) or, for a file larger than a part, the layout of its parts "
        "(`method` `multipart`: ask `/parts` for their links); then call `/complete`. "
        "422 names a size "
        "over the limit or a type not accepted; 409 past the files-per-record limit; 404 if "
        "the record is not live."
    ),
    status_code=HTTP_201_CREATED,
    opt=entity_route(ATTACHMENTS.name, Action.CREATE),
    response_headers=[ETAG_HEADER, LOCATION_HEADER],
    responses=problems(404, 409, 413, 422),
)
async def create_attachment(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    data: JSONBody[AttachmentCreate],
) -> Response[StartedAttachment]:
    """Start a file."""
    saved, started = await AttachmentService(resources, uow, principal).start(data)
    headers = {"ETag": etag(saved.version), "Location": f"/api/v1/attachments/{saved.id}"}
    return Response(started, status_code=HTTP_201_CREATED, headers=headers)


@post(
    "/{record_id:uuid}/upload",
    name="attachments:upload",
    summary="How to upload a pending file: a fresh form, or its parts' layout",
    description=(
        "A presigned POST (the file's start answers with one already): send its `fields` "
        "and then the file (form field `file`, last) as multipart/form-data to its `url` (S3 "
        "through nginx) before `expires_at`. The policy pins the key, the exact size and the "
        "content type, so S3 itself refuses anything else. Ask again for a fresh form once "
        "one expires. A file larger than a part is answered with its parts' layout instead "
        "(see `/parts`). 409 once the file is completed."
    ),
    status_code=HTTP_200_OK,
    opt=entity_route(ATTACHMENTS.name, Action.CREATE),
    responses=problems(404, 409),
)
async def attachment_upload_form(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
) -> Response[Upload]:
    """Hand out an upload form."""
    form = await AttachmentService(resources, uow, principal).upload_form(record_id)
    return Response(form, headers=NO_STORE)


@post(
    "/{record_id:uuid}/parts",
    name="attachments:parts",
    summary="Upload links for parts of a large file",
    description=(
        "Presigned PUT links (S3 through nginx) for the parts asked for, of a pending file "
        "started as a multipart upload: PUT exactly the part's `size` bytes, with its "
        "`headers`, to its `url` before `expires_at`. The signature covers the part's length "
        "and, when the part's `checksum_sha256` is given, its digest: S3 refuses a part of "
        "another length or other bytes (400 BadDigest). Ask again for any part whose link "
        "expired or whose upload failed. 422 names a part number the file does not have; "
        "409 for a file sent with one form, or already completed."
    ),
    status_code=HTTP_200_OK,
    opt=entity_route(ATTACHMENTS.name, Action.CREATE),
    responses=problems(404, 409, 422),
)
async def attachment_part_links(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
    data: JSONBody[PartsRequest],
) -> Response[PartLinks]:
    """Hand out part links."""
    links = await AttachmentService(resources, uow, principal).part_links(record_id, data)
    return Response(links, headers=NO_STORE)


@post(
    "/{record_id:uuid}/complete",
    name="attachments:complete",
    summary="Complete a file's upload",
    description=(
        "Checks that S3 holds the file with the promised size and type and marks it ready "
        "(repeating it is harmless); a file sent in parts is joined first. 409 if nothing "
        "(or not every part) was uploaded; 422 naming `size`, `content_type` or "
        "`checksum_sha256` if what arrived differs."
    ),
    status_code=HTTP_200_OK,
    opt=entity_route(ATTACHMENTS.name, Action.UPDATE),
    response_headers=[ETAG_HEADER],
    responses=problems(404, 409, 422),
)
async def complete_upload(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
) -> Response[Attachment]:
    """Complete an upload."""
    saved = await AttachmentService(resources, uow, principal).complete(record_id)
    return Response(_attachment(saved), headers={"ETag": etag(saved.version)})


Inline = Annotated[
    bool,
    Parameter(
        description="Show it in the browser (images, PDF and audio only) instead of saving it."
    ),
]


@get(
    "/{record_id:uuid}/download",
    name="attachments:download",
    summary="Download a file",
    description=(
        "302 to a short-lived presigned URL (through nginx) whose `Content-Disposition` "
        "carries the file's name (RFC 6266/5987). 404 while it is pending, trashed, or its "
        "record is trashed; 403 if the caller may not read its record."
    ),
    status_code=HTTP_302_FOUND,
    opt=entity_route(ATTACHMENTS.name, Action.READ),
    responses=problems(403, 404),
)
async def download_file(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    record_id: FromPath[uuid.UUID],
    inline: Inline = False,
) -> Redirect:
    """Redirect to the file."""
    url = await file_link(resources, principal, record_id, inline=inline)
    return Redirect(url, status_code=HTTP_302_FOUND, headers=NO_STORE)


@get(
    "/{record_id:uuid}/thumbnail",
    name="attachments:thumbnail",
    summary="A file's thumbnail",
    description="302 to a short-lived presigned URL of the image's JPEG thumbnail; 404 if none.",
    status_code=HTTP_302_FOUND,
    opt=entity_route(ATTACHMENTS.name, Action.READ),
    responses=problems(403, 404),
)
async def file_thumbnail(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    record_id: FromPath[uuid.UUID],
) -> Redirect:
    """Redirect to the thumbnail."""
    url = await thumbnail_link(resources, principal, record_id)
    return Redirect(url, status_code=HTTP_302_FOUND, headers=NO_STORE)


Trashed = Annotated[bool, Parameter(description="The record's trashed files instead.")]


@get(
    "/of/{parent_type:str}/{parent_id:uuid}",
    name="attachments:of-record",
    summary="The files of one record",
    description=(
        "The completed files of a live record, newest first (none of a trashed record's "
        "files are shown). 403 if the caller may not read the record."
    ),
    opt=entity_route(ATTACHMENTS.name, Action.READ),
    responses=problems(403, 404),
)
async def record_files(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    parent_type: FromPath[ParentType],
    parent_id: FromPath[uuid.UUID],
    trashed: Trashed = False,
) -> AttachmentList:
    """List a record's files."""
    return await files_of(resources, principal, parent_type, parent_id, trashed=trashed)


def attachments_router() -> Router:
    """Every attachments route."""
    return lifecycle_router(
        ATTACHMENTS,
        extra=[
            attachment_upload_form,
            attachment_part_links,
            complete_upload,
            download_file,
            file_thumbnail,
            record_files,
        ],
        create=create_attachment,
    )
