"""Login CSRF: a browser's sign-in must come from this site's own pages.

A login form posted from another site would sign the victim's browser into the attacker's
account. Browsers send ``Origin`` on every POST; when there is one it must name the host
the request was sent to. Only host names are compared: nginx forwards ``Host`` without the
port (``$host``), and another port of our own host is not another site's page. Clients that send none (scripts, integrations) are not browsers
and are not at risk.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request

from switchboard_api.errors import Forbidden


def require_same_origin(request: Request[Any, Any, Any]) -> None:
    """Raise :class:`Forbidden` when the request carries a foreign (or opaque) ``Origin``."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = urlsplit("//" + request.headers.get("host", "")).hostname
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or host is None or parts.hostname != host:
        raise Forbidden("sign in from this site's own page (the Origin is another site)")
