#!/usr/bin/env python3
"""The server answers as its OpenAPI document says.

Starts `switchyard serve --demo` on a free port with a fresh SQLite file, reads the
demo's admin key from its output, and runs schemathesis against the document the
server serves: every documented example, then generated requests (valid and invalid),
each answer checked against the document (status codes, content types, headers and
body schemas) and invalid requests checked to be refused. Exits non-zero on any
mismatch, so CI fails.

Usage: .ci/conformance.py [--max-examples N] [extra schemathesis arguments]
Needs `schemathesis` (pip) and a built `target/debug/switchyard`
(`cargo build -p switchyard`).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CI = os.path.join(ROOT, ".ci")
BINARY = os.path.join(ROOT, "target", "debug", "switchyard")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"the server did not answer {base}/readyz within {seconds}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=3, help="generated requests per operation and phase")
    args, extra = parser.parse_known_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run `cargo build -p switchyard` first")

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(tmp, "server.log"), "w+")
        server = subprocess.Popen(
            [
                BINARY, "serve", "--demo",
                # A month of demo history is as good as a year here, and quicker in
                # a debug build.
                "--history-days", "30",
                "--addr", f"127.0.0.1:{port}",
                "--database-url", f"sqlite://{tmp}/switchyard.db",
                # schemathesis sends requests without a key or with a wrong one on
                # purpose; the address must not be locked out for them.
                "--auth-failure-burst", "1000000",
                # The webhook is documented, so it is served: with a secret.
                "--easypost-webhook-secret", "conformance-secret",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            key = server.stdout.readline().strip()
            if not key:
                log.seek(0)
                sys.exit(f"the demo printed no admin key:\n{log.read()}")
            wait_until_up(base, server)
            command = [
                "schemathesis", "--config-file", os.path.join(CI, "schemathesis.toml"),
                "run", f"{base}/api/openapi.json",
                "--header", f"Authorization: Bearer {key}",
                "--checks", "all",
                "--mode", "all",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", str(args.max_examples),
                "--seed", "15",
                "--generation-deterministic",
                "--no-shrink",
                # The hooks drop generated bodies holding control characters; for a
                # large body (an order) that is most of them, which is not a fault.
                "--suppress-health-check", "filter_too_much",
                "--continue-on-failure",
                # One worker: CPython 3.11 can fail parsing source (hypothesis describing a
                # lambda) from two threads at once: "AST constructor recursion depth mismatch".
                "--workers", "1",
                "--no-color",
                *extra,
            ]
            print("+", " ".join(c if "Bearer" not in c else "Authorization: Bearer <demo key>" for c in command), flush=True)
            hooks = dict(os.environ, SCHEMATHESIS_HOOKS=os.path.join(CI, "conformance_hooks.py"))
            # In the temporary directory: schemathesis keeps a cache of past failures
            # in its working directory, and each run starts from none.
            result = subprocess.run(command, env=hooks, cwd=tmp)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if result.returncode != 0:
            log.seek(0)
            tail = log.read().splitlines()[-40:]
            print("server log (last lines):", *tail, sep="\n", file=sys.stderr)
        sys.exit(result.returncode)


if __name__ == "__main__":
    main()
