"""Lets the ``websockets`` server read HTTP request bodies, for the HTTP API's POSTs.

``websockets`` parses the opening request itself and refuses any body. This
connection class looks at the head first: a request announcing a body
(``Content-Length`` > 0) is read here, up to a limit, and handed to the same
``process_request`` hook as every other request, with the body attached;
everything else flows to ``websockets`` untouched.
"""

from __future__ import annotations

from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request

_MAX_HEAD = 16_384


class BodyTooLarge(ValueError):
    """The announced body exceeds the limit (answered 413 without reading it)."""


def _parse_head(head: bytes) -> tuple[Request, int]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, protocol = lines[0].split(" ", 2)
    headers = Headers()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        headers[name.strip()] = value.strip()
    length = int(headers.get("Content-Length", "0"))
    if length < 0:
        raise ValueError("negative Content-Length")
    return Request(path, headers, method, protocol), length


class HttpApiConnection(ServerConnection):
    """A server connection that also accepts plain HTTP requests with a body."""

    #: largest body read; set per server by :func:`connection_class`
    max_body = 1_048_576

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._buffer = bytearray()
        self._sniffing = True
        self._body_length = -1
        self._pending: Request | None = None
        self._taken = False
        self.body = b""
        self.body_error: Exception | None = None

    def data_received(self, data: bytes) -> None:
        """Read a request head (and body when there is one) before ``websockets`` sees it."""
        if self._taken:
            return  # the rest of a refused body, or pipelined bytes: not ours to parse
        if not self._sniffing:
            super().data_received(data)
            return
        self._buffer += data
        if self._body_length < 0 and not self._read_head():
            return
        if self._sniffing and len(self._buffer) >= self._body_length:
            self.body = bytes(self._buffer[: self._body_length])
            self._finish_sniffing()

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HEAD:
                self._hand_over()
            return False
        try:
            request, length = _parse_head(bytes(self._buffer[:end]))
        except (ValueError, UnicodeDecodeError):
            self._hand_over()  # let websockets produce its own 400
            return False
        if length == 0:
            self._hand_over()
            return False
        del self._buffer[: end + 4]
        if request.headers.get("Expect", "").lower() == "100-continue" and length <= self.max_body:
            # curl asks before sending a body over 1 KiB; say yes instead of making it wait.
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self._pending = request
        self._body_length = length
        if length > self.max_body:
            self.body_error = BodyTooLarge(f"body larger than {self.max_body} bytes")
            self._finish_sniffing()
            return False
        return True

    def _hand_over(self) -> None:
        self._sniffing = False
        data = bytes(self._buffer)
        self._buffer.clear()
        super().data_received(data)

    def _finish_sniffing(self) -> None:
        # Same state websockets reaches after parsing a request: handshake() goes on
        # to process_request, whose response is sent and the connection closed.
        self._sniffing = False
        self._taken = True
        self._buffer.clear()
        self.request = self._pending
        self.request_rcvd.set_result(None)


def connection_class(max_body: int) -> type[HttpApiConnection]:
    """A connection class reading bodies up to ``max_body`` bytes."""
    return type("BoundHttpApiConnection", (HttpApiConnection,), {"max_body": max_body})
