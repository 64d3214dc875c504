"""A real HTTP proxy in front of the fake Harness that answers chosen calls itself: a 429 with a
`Retry-After`, which the fake does not send (its faults have no headers)."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from harness_fake.errors import ApiError, error_body, family_for_path

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself.
_NOT_FORWARDED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class HarnessProxy:
    """Forwards every call to `upstream`, but the next `times` calls whose path contains
    `refuse`'s `path_part`: those are answered 429 with `Retry-After`, in the error body of the
    path's API family (Goa for IaCM, `application/vnd.goa.error`: contract §4.1)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self._refusals: list[list] = []  # [path_part, times left, retry_after]
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                refused = proxy._take(self.path)
                if refused is not None:
                    return self._refuse(refused)
                conn = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=30
                )
                try:
                    headers = {
                        name: value
                        for name, value in self.headers.items()
                        if name.lower() not in _NOT_FORWARDED
                    }
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in _NOT_FORWARDED:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    conn.close()

            def _refuse(self, retry_after: int) -> None:
                path = urlsplit(self.path).path
                payload, content_type = error_body(
                    family_for_path(path), ApiError(429, "rate limit exceeded")
                )
                self.send_response(429)
                self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def refuse(self, path_part: str, *, times: int = 1, retry_after: int = 1) -> None:
        with self._lock:
            self._refusals.append([path_part, times, retry_after])

    def _take(self, path: str) -> int | None:
        with self._lock:
            for refusal in self._refusals:
                if refusal[0] in path and refusal[1] > 0:
                    refusal[1] -= 1
                    return refusal[2]
        return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
