"""Message parameters that differ by language: sizes with the language's decimal mark, model names.

Sentences stay in the message files; this only formats the values that go into them, as
``{"de": ..., "en": ...}``, which the translator picks from.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.catalog.models import LocalizedText, ModelFile

Localized = dict[str, str]


def size_text(size: int) -> Localized:
    """Decimal units, as the model sites show them: 4.9 GB, 892 MB."""
    if size >= 1_000_000_000:
        english = f"{size / 1_000_000_000:.1f} GB"
    elif size >= 1_000_000:
        english = f"{size / 1_000_000:.0f} MB"
    elif size >= 1_000:
        english = f"{size / 1_000:.0f} kB"
    else:
        english = f"{size} B"
    return {"de": english.replace(".", ","), "en": english}


def name_text(name: LocalizedText) -> Localized:
    return {"de": name.de, "en": name.en}


def models_with_sizes(models: Sequence[ModelFile]) -> Localized:
    """'Stable Audio Open 1.0 (4.9 GB), T5-base text encoder (892 MB)'."""
    return {
        language: ", ".join(
            f"{model.name.get(language)} ({size_text(model.size)[language]})" for model in models
        )
        for language in ("de", "en")
    }


def model_names(models: Sequence[ModelFile]) -> Localized:
    return {language: ", ".join(model.name.get(language) for model in models) for language in ("de", "en")}


def file_names(models: Sequence[ModelFile]) -> str:
    return ", ".join(model.filename for model in models)
