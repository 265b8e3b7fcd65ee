"""The test server knows every node class the app's own outputs use, so every output can run on it."""

from __future__ import annotations

import json

from server.catalog.loader import CatalogLoader
from server.resources import Resources
from tests.support.app_process import REPO_ROOT


def test_every_output_node_class_is_in_the_test_servers_catalogue() -> None:
    catalogue = json.loads((REPO_ROOT / "tests" / "comfyui_testserver" / "node_catalogue.json").read_text())
    known = set(catalogue["nodes"])
    catalog = CatalogLoader(Resources.locate().app_root).load()
    missing = {
        (output_id, node.class_type)
        for output_id, output in catalog.outputs.items()
        if not output.backend.is_cloud
        for node in catalog.comfyui_chunks[output.chunk].workflow.values()
        if node.class_type not in known
    }
    assert missing == set()
