"""The model manifest (configs/models.json) as the model code needs it: lookups and size rules.

Which outputs use a file is not written twice: it comes from the outputs' ``models`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.catalog.models import ModelFile, OutputConfig
from server.catalog.registry import Catalog
from server.errors import AppError, ErrorKind

# A size marked as rounded (``size_exact: false``) matches a file within this share of it.
APPROXIMATE_SIZE_TOLERANCE = 0.05


def size_matches(model: ModelFile, size: int) -> bool:
    if model.size_exact:
        return size == model.size
    return abs(size - model.size) <= model.size * APPROXIMATE_SIZE_TOLERANCE


class ModelManifest:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._models = dict(catalog.models)
        self._by_name = {model.filename: model for model in self._models.values()}
        self._by_folded_name = {model.filename.casefold(): model for model in self._models.values()}

    @property
    def models(self) -> list[ModelFile]:
        return list(self._models.values())

    def has(self, model_id: str) -> bool:
        return model_id in self._models

    def get(self, model_id: str) -> ModelFile:
        model = self._models.get(model_id)
        if model is None:
            raise AppError("model_not_found", ErrorKind.NOT_FOUND, model=model_id)
        return model

    def by_filename(self, name: str) -> ModelFile | None:
        """Exact name first; a stick formatted on Windows may have changed the case."""
        return self._by_name.get(name) or self._by_folded_name.get(name.casefold())

    def hash_candidates(self, size: int) -> list[ModelFile]:
        """Files of this size whose sha256 is known: a renamed copy can only be one of these."""
        return [model for model in self._models.values() if model.sha256 and size_matches(model, size)]

    def used_by(self, model_id: str) -> list[str]:
        return self._catalog.outputs_using_model(model_id)

    def outputs(self) -> dict[str, OutputConfig]:
        return dict(self._catalog.outputs)

    def files_of(self, output: OutputConfig) -> list[ModelFile]:
        return [self._models[model_id] for model_id in output.models if model_id in self._models]

    def resolve(self, model_ids: Iterable[str]) -> list[ModelFile]:
        """The models in manifest order, each once; an unknown id is an error."""
        wanted = set(model_ids)
        for model_id in wanted:
            self.get(model_id)
        return [model for model in self._models.values() if model.id in wanted]
