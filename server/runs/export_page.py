"""The transparency view of a run as one self-contained HTML page, for a class portfolio.

The pages come from the Jinja2 templates in ``templates/`` with autoescaping on for every one of
them: everything a student or a model wrote is shown as text, never run, without an escape call to
forget. Student text is a value, never template source, so ``{{`` in an idea stays text as well. The
page has no script at all and a Content-Security-Policy that forbids any, so even a mistake here
could not run code when the page is opened. Media are referenced by their file names next to the
page (the zip holds them there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from server.i18n.translator import Language, Translator
from server.runs.models import ErrorRecord, GenerationRecord, InterceptionRecord, MediaFileRecord, RunRecord

# Found through __file__ like the message catalogs, so the same path works from the source tree,
# an installed wheel (package data) and the PyInstaller bundle (collected by build/ai4artsed.spec).
TEMPLATES_DIR = Path(__file__).parent / "templates"

# autoescape=True (not select_autoescape by file name): every template here makes HTML, and a
# template added later under another name must not silently lose escaping. StrictUndefined turns a
# misspelt name into an error in the tests instead of an empty spot on a student's page.
TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class CatalogNames:
    """Names of attitudes and outputs in both languages, and the player of each media type."""

    attitudes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    outputs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    players: Mapping[str, str] = field(default_factory=dict)

    def attitude(self, config_id: str, language: Language) -> str:
        return self.attitudes.get(config_id, {}).get(language, config_id)

    def output(self, output_id: str, language: Language) -> str:
        return self.outputs.get(output_id, {}).get(language, output_id)

    def player(self, item: MediaFileRecord) -> str:
        return self.players.get(item.media_type) or item.mime_type.split("/")[0]


@dataclass(frozen=True)
class Thumbnail:
    """What a run's card in the overview shows: its last image, or an icon for its kind of media."""

    image: str | None = None
    icon: str = "✎"


_ICONS = {"audio": "♪", "video": "▶"}


class ExportPages:
    def __init__(self, translator: Translator, names: CatalogNames, language: Language) -> None:
        self._translator = translator
        self._names = names
        self._language = language

    def run_page(self, record: RunRecord, media_prefix: str = "") -> str:
        return self._render(
            "export_run.html.j2",
            title=self._t("export_html.run_title", date=_when(record.created_at)),
            record=record,
            media_prefix=media_prefix,
        )

    def index_page(self, records: list[RunRecord], exported_at: datetime) -> str:
        return self._render(
            "export_index.html.j2",
            title=self._t("export_html.title"),
            records=records,
            exported_at=exported_at,
        )

    def _render(self, template: str, **values: object) -> str:
        return TEMPLATES.get_template(template).render(
            language=self._language,
            t=self._t,
            problem=self._problem,
            explanation=self._explanation,
            attitude=self._attitude,
            output=self._output,
            player=self._names.player,
            thumbnail=self._thumbnail,
            seconds=_seconds,
            when=_when,
            **values,
        )

    # Every helper returns plain text; the templates escape it.

    def _t(self, code: str, **params: object) -> str:
        return self._translator.translate(code, self._language, params)

    def _problem(self, error: ErrorRecord) -> str:
        return self._translator.translate(error.code, self._language, error.params)

    def _explanation(self, code: str) -> str:
        return self._translator.translate(code, self._language)

    def _attitude(self, interception: InterceptionRecord) -> str:
        # The name the run was made with: a teacher's attitude may be gone or renamed since.
        if interception.name and interception.name.get(self._language):
            return interception.name[self._language]
        return self._names.attitude(interception.config_id, self._language)

    def _output(self, output_id: str) -> str:
        return self._names.output(output_id, self._language)

    def _thumbnail(self, record: RunRecord) -> Thumbnail:
        for generation in reversed(record.generations):
            for item in generation.media:
                player = self._names.player(item)
                if player == "image":
                    return Thumbnail(image=item.name)
                return Thumbnail(icon=_ICONS.get(player, "□"))
        return Thumbnail()


def _seconds(generation: GenerationRecord) -> float | None:
    """How long a finished generation took (the template asks only for finished ones)."""
    if generation.finished_at is None:
        return None
    return round((generation.finished_at - generation.started_at).total_seconds(), 1)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
