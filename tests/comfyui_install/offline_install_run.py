"""Runs one install from local files only; started by the tests inside ``unshare -rn`` (no network).

usage: offline_install_run.py DATA_DIR RELEASE_JSON CHOICES_JSON
Prints the job's events as one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.app_process import start_app  # noqa: E402
from tests.support.job_events import read_events  # noqa: E402


def main() -> None:
    data_dir, release, choices_json = sys.argv[1:4]
    choices = json.loads(choices_json)
    with start_app(Path(data_dir), env={"AI4ARTSED_COMFYUI_RELEASE": release}) as app, app.client() as client:
        plan = client.post("/api/comfyui/install/plan", json=choices).json()
        answer = client.post("/api/comfyui/install", json={"choices": choices})
        events = read_events(client, answer.json()["job_id"]) if answer.status_code == 202 else []
        status = client.get("/api/comfyui/install").json()
        print(
            json.dumps(
                {
                    "plan": plan,
                    "answer": answer.status_code,
                    "events": [{"type": event.type, "data": event.data} for event in events],
                    "status": status,
                }
            )
        )


if __name__ == "__main__":
    main()
