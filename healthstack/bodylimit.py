"""Request bodies over MAX_REQUEST_BODY_MB are answered with 413 and never held in memory.

Two layers, one answer (:func:`too_large_response`):

- :class:`RequestBodyLimit`, ASGI middleware around the Django app: refuses from the
  ``Content-Length`` header before Django reads a byte, and counts a streamed (chunked)
  body as it arrives. It protects the app under any ASGI server.
- :func:`limit_daphne_request_bodies`: Daphne (through Twisted) receives the whole body
  before the application starts, and then queues all of it in memory for the app; Twisted
  also parses every form POST once more for itself. With this installed, Daphne keeps no
  byte of a body over the limit (it is read off the socket and dropped), answers 413 when
  the client has finished sending, and never parses forms itself.
"""

import io
import json

from django.utils.translation import gettext

MB = 1024 * 1024


def too_large_response(path: str, max_bytes: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the 413 answer: JSON under /api/, a short HTML page elsewhere."""
    message = gettext("The request is larger than %(size)s MB. Choose a smaller file.") % {
        "size": f"{max_bytes / MB:g}"
    }
    if path.startswith("/api/"):
        body, content_type = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        title = gettext("Request too large")
        body = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><p>{message}</p></body></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return headers, body


def declared_length(headers) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestBodyLimit:
    """ASGI middleware: a 413 for an HTTP request whose body is over ``max_bytes``."""

    def __init__(self, app, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def refuse(self, scope, send) -> None:
        headers, body = too_large_response(scope.get("path", ""), self.max_bytes)
        await send({"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = declared_length(scope.get("headers", []))
        if declared is not None and declared > self.max_bytes:
            return await self.refuse(scope, send)

        received = 0
        refused = False
        started = False

        async def counting_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        await self.refuse(scope, send)
                    # The app stops reading as if the client had gone (Django: RequestAborted).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        return await self.app(scope, counting_receive, guarded_send)


def limit_daphne_request_bodies(max_bytes: int) -> None:
    """Make Daphne drop (not store) request bodies over ``max_bytes`` and answer them 413.

    Daphne builds each request from ``daphne.http_protocol.WebRequest`` when a connection
    opens; this swaps in a subclass. Safe to call again (the limit is updated). Does nothing
    when Daphne is not installed.
    """
    try:
        from daphne import http_protocol
    except ImportError:
        return
    current = http_protocol.WebRequest
    if getattr(current, "body_limit", None) is not None:
        current.body_limit = max_bytes
        return

    class BodyLimitedWebRequest(current):
        body_limit = max_bytes

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Daphne hands the raw body to the application; Twisted's own parse of a form
            # POST (multipart included) would only copy the whole body in memory once more.
            self._parsePOSTFormSubmission = False
            self.body_received = 0
            self.body_refused = False

        def gotLength(self, length):
            if length is not None and length > self.body_limit:
                self.body_refused = True
                self.content = io.BytesIO()
                return
            super().gotLength(length)

        def handleContentChunk(self, data):
            if self.body_refused:
                return
            self.body_received += len(data)
            if self.body_received > self.body_limit:
                # A streamed body without Content-Length went over: keep none of it.
                self.body_refused = True
                self.content.close()
                self.content = io.BytesIO()
                return
            super().handleContentChunk(data)

        def process(self):
            if not self.body_refused:
                return super().process()
            try:
                path = self.path.decode("ascii")
            except UnicodeDecodeError:
                path = "/"
            headers, body = too_large_response(path, self.body_limit)
            self.handle_reply({"type": "http.response.start", "status": 413, "headers": headers})
            self.handle_reply({"type": "http.response.body", "body": body})
            return None

    http_protocol.WebRequest = BodyLimitedWebRequest
