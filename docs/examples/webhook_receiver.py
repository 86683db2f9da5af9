"""A webhook receiver for trying Shop's webhooks by hand: prints each event it accepts.

    WEBHOOK_SECRET=whsec_... python3 docs/examples/webhook_receiver.py [PORT]

Standard library only. It checks the `webhook-signature` header (HMAC-SHA256 of
"{webhook-id}.{webhook-timestamp}.{body}" with the endpoint's secret) and the
timestamp's age, answers 204 to a good request and 400 to any other, and says when a
`webhook-id` comes again (a retry or a replay). A real receiver would also keep the
ids it has handled; docs/integration-events.md has one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if "," in s]
    return any(hmac.compare_digest(expected, signature) for signature in offered)


class Handler(BaseHTTPRequestHandler):
    secret = os.environ.get("WEBHOOK_SECRET", "")
    seen: set[str] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        if not verify(self.secret, headers, body):
            self.send_response(400)
            self.end_headers()
            print("refused: bad or missing signature", flush=True)
            return
        event = json.loads(body)
        again = " (again)" if headers["webhook-id"] in self.seen else ""
        self.seen.add(headers["webhook-id"])
        self.send_response(204)
        self.end_headers()
        print(f"{event['timestamp']} {event['type']}{again} {json.dumps(event['data'])[:120]}",
              flush=True)  # fmt: skip

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the events are the log."""


def main() -> None:
    if not Handler.secret.startswith("whsec_"):
        sys.exit("Set WEBHOOK_SECRET to the endpoint's secret (whsec_...), shown when registered.")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"receiving on http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
