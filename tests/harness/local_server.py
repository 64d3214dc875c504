"""Local HTTP servers standing in for Harness where the fake cannot: a Retry-After, a body that
trickles in, gzip, a huge body, a header echoing the key."""

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing, with `send_json` to answer."""

    def send_json(self, pieces, *, status=200, sized=True, gap=0.0, **headers):
        """Answer `status` with the body made of `pieces`: with its Content-Length (`sized`) or
        chunked, a chunk each; `gap` seconds after each piece. Stops when the client hangs up."""
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        if sized:
            self.send_header("Content-Length", str(sum(len(piece) for piece in pieces)))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in pieces if sized else [*pieces, b""]:
                self.wfile.write(piece if sized else b"%x\r\n%s\r\n" % (len(piece), piece))
                if gap:
                    self.wfile.flush()
                    time.sleep(gap)
        except OSError:
            pass  # the client hung up, as it should

    def log_message(self, *args):
        pass


def answering(status, body, hits=None, *, gap=0.0, **headers):
    """A handler answering every GET `status` with the JSON `body` and `headers` (one byte every
    `gap` seconds when given); logs its paths to `hits`. (The fake sends no Retry-After.)"""

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if hits is not None:
                hits.append(self.path)
            pieces = [bytes([byte]) for byte in body] if gap else [body]
            self.send_json(pieces, status=status, gap=gap, **headers)

    return Handler


@contextlib.contextmanager
def serving(handler) -> Iterator[str]:
    """A local server answering with `handler`, for the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(
        target=server.serve_forever, args=(0.05,), daemon=True
    ).start()  # quick shutdown
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
