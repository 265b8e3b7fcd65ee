"""``python -m tests.cloud_testserver --openai-key K --openrouter-key K --mistral-key K [--port N]``."""

from __future__ import annotations

import argparse
import sys

from tests.cloud_testserver.server import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    for provider in ("openai", "openrouter", "mistral"):
        parser.add_argument(f"--{provider}-key", required=True)
    args = parser.parse_args()
    keys = {"openai": args.openai_key, "openrouter": args.openrouter_key, "mistral": args.mistral_key}
    server = make_server(keys, "127.0.0.1", args.port)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
