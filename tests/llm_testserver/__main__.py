"""``python -m tests.llm_testserver [--port N]``: serve on 127.0.0.1, print ``LISTENING <port>``."""

from __future__ import annotations

import argparse
import sys

from tests.llm_testserver.server import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port)
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
