"""Attachments: files tied to one record (contact, deal, task, note or call), stored in S3.

Browsers upload straight to S3 through nginx with a presigned POST whose policy pins the
key, the size and the content type (``storage``); the API then completes the attachment
after checking the object (``service``); downloads are short-lived presigned links. Reading
a file follows the parent record: its type's read permission, and the parent still live.
The worker measures completed files (checksum, image size, thumbnail) and removes uploads
never completed (``jobs``).
"""
