"""A tiny loopback HTTP server that records what the client puts on the wire and answers
as told: a status with headers and body, a dropped connection, or silence."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes
    peer_cn: str = ""  # common name of the TLS client certificate, if any


@dataclass
class Reply:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes | dict | list | None = None
    behaviour: str = "answer"  # answer | drop | hang


class RecordingServer:
    def __init__(self, ssl_context: ssl.SSLContext | None = None):
        self.requests: list[Recorded] = []
        self.replies: dict[tuple[str, str], Reply] = {}
        self.default = Reply(200, {"X-Request-Id": "vitam-req-1"}, {"httpCode": 200, "$hits": {"total": 0},
                                                                   "$results": [], "$context": {}})
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer_cn = ""
                getpeercert = getattr(self.connection, "getpeercert", None)
                if getpeercert and getpeercert():
                    subject = dict(item[0] for item in getpeercert()["subject"])
                    peer_cn = subject.get("commonName", "")
                with owner.lock:
                    owner.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body, peer_cn))
                reply = owner.reply_for(self.command, self.path)
                if reply.behaviour == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if reply.behaviour == "hang":
                    owner.stop_event.wait(30)
                    self.close_connection = True
                    return
                payload = reply.body
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload).encode()
                payload = payload or b""
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if ssl_context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def reply_for(self, method: str, path: str) -> Reply:
        bare = path.split("?", 1)[0]
        return self.replies.get((method, bare)) or self.replies.get(("*", bare)) or self.default

    def on(self, method: str, path: str, reply: Reply):
        self.replies[(method, path)] = reply

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method)
                    and (path is None or r.path.split("?")[0] == path)]

    def stop(self):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accepts connections and never answers: the read timeout must end the call."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.accepted = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.accepted.append(conn)
            except OSError:
                time.sleep(0.01)

    def stop(self):
        self._stop = True
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
