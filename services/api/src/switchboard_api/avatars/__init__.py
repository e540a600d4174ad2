"""User avatars: an image per user, a file whose parent is the user (the attachments
machinery: presigned POST upload, completion check, limits, stale cleanup, erasure). The
worker crops it to a square in the sizes the client shows (``rules.AVATAR_PIXELS``) and
only then makes it the user's avatar, a write of the user (so the ``private-users`` channel
tells open pages); the previous one is deleted for good. Set, replaced and removed by the
user or an admin; read by whoever may read users, through a stable URL that redirects.
"""
