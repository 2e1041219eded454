"""A webhook receiver for the delivery tests: a process of its own that checks every
request with the `standardwebhooks` package (the specification's reference library for
Python, not our code) and writes what it got as one JSON line per request.

    python3 receiver.py --record FILE --secrets FILE [--answers 500,200]

It listens on a free port of 127.0.0.1 and prints that port alone on the first line of
standard output. For each POST it reads the secrets file again (one `whsec_...` a line,
so a test can write it once it has created the endpoint, and again after a rotation),
tries each secret on its own, answers the next status of `--answers` (the last one
repeats; 200 when not given) and appends to the record file:

    {"path", "status", "headers": {name: value}, "body": the parsed body (or the raw
     text if not JSON), "verified": [true/false per secret, in file order],
     "errors": [the library's error or null per secret]}
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--answers", default="200")
    args = parser.parse_args()
    answers = [int(status) for status in args.answers.split(",")]
    lock = threading.Lock()
    seen = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {name: self.headers.get(name) for name in HEADERS if self.headers.get(name) is not None}
            verified, errors = [], []
            for secret in read_secrets(args.secrets):
                try:
                    Webhook(secret).verify(body, headers)
                    verified.append(True)
                    errors.append(None)
                except WebhookVerificationError as error:
                    verified.append(False)
                    errors.append(str(error))
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = body.decode("utf-8", "replace")
            with lock:
                status = answers[min(seen[0], len(answers) - 1)]
                seen[0] += 1
                line = {
                    "path": self.path,
                    "status": status,
                    "headers": headers,
                    "body": parsed,
                    "verified": verified,
                    "errors": errors,
                }
                with open(args.record, "a", encoding="utf-8") as record:
                    record.write(json.dumps(line) + "\n")
            reply = b"received" if status < 300 else b"refused by the test receiver"
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def read_secrets(path):
    try:
        with open(path, encoding="utf-8") as file:
            return [line.strip() for line in file if line.strip()]
    except FileNotFoundError:
        return []


if __name__ == "__main__":
    sys.exit(main())
