"""A stand-in engine process for supervisor tests that need odd behaviour (not the real model server).

Usage: ``python fake_engine.py MODE --model F --host H --port P ...`` with MODE one of:
  serve             answer GET /v1/models, print the environment first
  serve-with-child  the same, plus a grandchild process that sleeps (to test tree killing)
  fail              print a reason and exit 3 at once
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        payload = json.dumps({"object": "list", "data": [{"id": "builtin", "object": "model"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    mode = sys.argv[1]
    args = sys.argv[2:]
    if mode == "fail":
        print("fake engine: failed to load model (out of memory)", flush=True)
        sys.exit(3)
    port = int(args[args.index("--port") + 1])
    # The engine's key is replaced: a log is no place for it, even a test's.
    env = {name: ("<key>" if name == "AI4ARTSED_ENGINE_KEY" else value) for name, value in os.environ.items()}
    print("ENV " + json.dumps(env), flush=True)
    if mode == "serve-with-child":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print(f"GRANDCHILD {child.pid}", flush=True)
    HTTPServer(("127.0.0.1", port), _Models).serve_forever()


if __name__ == "__main__":
    main()
