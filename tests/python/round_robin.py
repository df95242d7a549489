"""A small round-robin HTTP load balancer for the replica tests: every request goes to the next
replica in turn, whatever connection it came on. A replica that refuses connections is skipped
(the request never reached it, so it is safe to send elsewhere), as a load balancer's health
check would. Responses are streamed back as they come (Server-Sent Events included), and the
balancer records which replica served each request."""

from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "content-length"}


class RoundRobin:
    def __init__(self, backends: list[int]):
        self.backends = backends
        self.served: list[int] = []
        self._turn = itertools.count()
        self._lock = threading.Lock()
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                for _ in range(len(balancer.backends)):
                    port = balancer.next_backend()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    try:
                        conn.request(self.command, self.path, body=body, headers=headers)
                        response = conn.getresponse()
                    except ConnectionRefusedError:
                        conn.close()
                        continue
                    balancer.record(port)
                    self.send_response(response.status, response.reason)
                    for k, v in response.getheaders():
                        if k.lower() not in HOP_BY_HOP:
                            self.send_header(k, v)
                    # The body is relayed as it arrives, then the connection closes: no framing
                    # to rewrite.
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    while chunk := response.read1(65536):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    conn.close()
                    return
                self.send_error(502, "no replica answers")

            do_GET = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def next_backend(self) -> int:
        with self._lock:
            return self.backends[next(self._turn) % len(self.backends)]

    def record(self, port: int) -> None:
        with self._lock:
            self.served.append(port)

    def __enter__(self) -> "RoundRobin":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
