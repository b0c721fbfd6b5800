"""Oversized request bodies get a 413 and cost the server no memory.

The server tests run a real Daphne (as in production) and stream bodies over a raw socket,
watching the server's resident memory (VmRSS) while the body arrives.
"""

import json
import socket
import threading
import time

import pytest

from healthstack.bodylimit import RequestBodyLimit
from tests.harness import LiveServer, database_url

CAP_MB = 8
MB = 1024 * 1024
MEMORY_GROWTH_LIMIT = 60 * MB


@pytest.fixture
def capped_server(transactional_db, harness_dir, settings):
    from django.db import connection

    server = LiveServer(
        database_url=database_url(connection.settings_dict),
        media_root=harness_dir / "media", private_media_root=harness_dir / "private_media",
        mail_dir=harness_dir / "body-limit-mail", log_path=harness_dir / "body-limit-daphne.log",
        secret_key=settings.SECRET_KEY, extra_env={"MAX_REQUEST_BODY_MB": str(CAP_MB)},
    ).start()
    yield server
    server.stop()


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class PeakMemory:
    """Samples a process's VmRSS every 20 ms in a thread; ``growth`` is peak minus start."""

    def __init__(self, pid: int):
        self.pid = pid
        self.start = self.peak = _rss(pid)
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, _rss(self.pid))
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self.running = False
        self.thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _send(server: LiveServer, path: str, head: dict, body_chunks, *, chunked: bool = False) -> tuple[int, dict, bytes]:
    """POST ``body_chunks`` over a raw socket; return (status, headers, body) of the answer."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in head.items()]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            for chunk in body_chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop listening once it has answered; the answer is what counts
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    head_part, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _junk_multipart(total: int):
    """A multipart body of ``total`` bytes: a CSRF field and one junk file part, 1 MB at a time."""
    boundary = "healthstackboundary"
    opening = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\nx\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"junk\"; filename=\"junk.bin\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    filler = total - len(opening) - len(closing)

    def chunks():
        yield opening
        left = filler
        while left > 0:
            size = min(MB, left)
            yield b"j" * size
            left -= size
        yield closing

    return f"multipart/form-data; boundary={boundary}", chunks()


def test_a_150_mb_anonymous_upload_is_refused_and_server_memory_stays_flat(capped_server):
    total = 150 * MB
    content_type, chunks = _junk_multipart(total)

    with PeakMemory(capped_server.process.pid) as memory:
        status, headers, body = _send(capped_server, "/accounts/login/", {
            "Content-Type": content_type, "Content-Length": str(total), "Cookie": "csrftoken=x",
        }, chunks)

    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert f"larger than {CAP_MB} MB".encode() in body
    assert memory.growth < MEMORY_GROWTH_LIMIT, f"server grew by {memory.growth / MB:.0f} MB"
    # The server is still fine afterwards.
    status, _, body = _send(capped_server, "/accounts/login/", {"Content-Length": "0"}, [])
    assert status == 403  # no CSRF token: refused by Django as usual, not by the size cap


def test_a_streamed_body_without_length_is_cut_off_at_the_cap(capped_server):
    def chunks():
        for _ in range(100):
            yield b"j" * MB

    with PeakMemory(capped_server.process.pid) as memory:
        status, _, body = _send(capped_server, "/accounts/login/",
                                {"Content-Type": "application/octet-stream"}, chunks(), chunked=True)

    assert status == 413
    assert memory.growth < MEMORY_GROWTH_LIMIT, f"server grew by {memory.growth / MB:.0f} MB"


def test_an_oversized_api_request_gets_a_json_413(capped_server):
    total = (CAP_MB + 1) * MB

    status, headers, body = _send(capped_server, "/api/v1/me/documents/", {
        "Content-Type": "application/octet-stream", "Content-Length": str(total),
    }, (b"j" * MB for _ in range(CAP_MB + 1)))

    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": f"The request is larger than {CAP_MB} MB. Choose a smaller file."}


def test_a_body_under_the_cap_reaches_the_app(capped_server):
    total = (CAP_MB - 1) * MB
    content_type, chunks = _junk_multipart(total)

    status, _, _ = _send(capped_server, "/accounts/login/", {
        "Content-Type": content_type, "Content-Length": str(total),
    }, chunks)

    assert status == 403  # reached Django: refused for the missing CSRF cookie, not for its size


# The ASGI middleware on its own (any ASGI server).

class _App:
    def __init__(self):
        self.called = False
        self.received = []

    async def __call__(self, scope, receive, send):
        self.called = True
        while True:
            message = await receive()
            self.received.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        if self.received[-1] == "http.request":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})


async def _call(middleware, scope, messages):
    sent = []
    queue = list(messages)

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await middleware({"type": "http", "path": "/accounts/login/", "headers": [], **scope}, receive, send)
    return sent


@pytest.mark.asyncio
async def test_middleware_refuses_from_content_length_without_calling_the_app():
    app = _App()

    sent = await _call(RequestBodyLimit(app, max_bytes=1000), {"headers": [(b"content-length", b"1001")]}, [])

    assert not app.called
    assert sent[0]["status"] == 413


@pytest.mark.asyncio
async def test_middleware_counts_a_streamed_body_and_stops_the_app_reading():
    app = _App()
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(5)]

    sent = await _call(RequestBodyLimit(app, max_bytes=1000), {"path": "/api/v1/x/"}, chunks)

    assert app.received == ["http.request", "http.request", "http.disconnect"]
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]
    assert json.loads(sent[-1]["body"])["detail"].startswith("The request is larger than")


@pytest.mark.asyncio
async def test_middleware_passes_a_body_under_the_cap():
    app = _App()
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": False}]

    sent = await _call(RequestBodyLimit(app, max_bytes=1000), {"headers": [(b"content-length", b"400")]}, chunks)

    assert sent[0]["status"] == 200
