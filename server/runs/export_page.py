"""The transparency view of a run as one self-contained HTML page, for a class portfolio.

Everything a student or a model wrote goes through ``html.escape``: an idea like ``<script>`` is shown
as text, never run. The page has no script at all and a Content-Security-Policy that forbids any, so
even a mistake here could not run code when the page is opened. Media are referenced by their file
names next to the page (the zip holds them there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from server.i18n.translator import Language, Translator
from server.runs.models import GenerationRecord, MediaFileRecord, RunRecord, SafetyVerdictRecord

# No scripts, no remote anything: only the page's own style and the media next to it.
PAGE_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
body{line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #e3e3e8}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.box{background:#f5f5f7;border-radius:.5rem;padding:.75rem 1rem;white-space:pre-wrap;overflow-wrap:anywhere}
.label{font-weight:700;font-size:.85rem;text-transform:uppercase;letter-spacing:.04em;color:#555}
.blocked{color:#a00}.allowed{color:#060}
img,video{max-width:100%;max-height:60vh;border-radius:.5rem}
table{border-collapse:collapse}td,th{padding:.25rem .75rem .25rem 0;text-align:left;vertical-align:top}
ul.runs{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}
ul.runs li{background:#f5f5f7;border-radius:.5rem;padding:.75rem}
ul.runs img{width:100%;height:10rem;object-fit:cover}
.icon{display:flex;align-items:center;justify-content:center;height:10rem;font-size:3rem;background:#e3e3e8;border-radius:.5rem}
"""


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


class ExportPages:
    def __init__(self, translator: Translator, names: CatalogNames, language: Language) -> None:
        self._translator = translator
        self._names = names
        self._language = language

    def _t(self, code: str, **params: object) -> str:
        """A label, escaped (parameters may carry student text)."""
        return escape(self._translator.translate(code, self._language, params))

    def run_page(self, record: RunRecord, media_prefix: str = "") -> str:
        title = self._t("export_html.run_title", date=_when(record.created_at))
        parts = [
            f'<p><a href="../../index.html">{self._t("export_html.back")}</a></p>',
            f"<h1>{title}</h1>",
            self._status_line(record),
            self._idea_section(record),
            self._interception_section(record),
            self._optimization_section(record),
            *[
                self._generation_section(index, generation, media_prefix)
                for index, generation in enumerate(record.generations)
            ],
            self._safety_section(record.safety),
            f'<p><a href="run.json">{self._t("export_html.record")}</a></p>',
        ]
        return _document(title, self._language, "\n".join(part for part in parts if part))

    def index_page(self, records: list[RunRecord], exported_at: datetime) -> str:
        title = self._t("export_html.title")
        items: list[str] = []
        for record in records:
            idea = escape(record.idea[:200])
            attitude = (
                escape(self._names.attitude(record.interception.config_id, self._language))
                if record.interception
                else ""
            )
            items.append(
                f'<li><a href="runs/{escape(record.id)}/index.html">{_thumbnail(record, self._names)}'
                f"<p><strong>{idea}</strong></p></a>"
                f"<p>{attitude} · {escape(_when(record.created_at))}</p></li>"
            )
        body = (
            f"<h1>{title}</h1>"
            f"<p>{self._t('export_html.intro', count=len(records), date=_when(exported_at))}</p>"
            f'<ul class="runs">{"".join(items)}</ul>'
        )
        return _document(title, self._language, body)

    # ------------------------------------------------------------------ sections

    def _status_line(self, record: RunRecord) -> str:
        status = self._t(f"run_status.{record.status.value}")
        line = f'<p><span class="label">{self._t("export_html.status")}</span> {status}</p>'
        if record.error is not None:
            message = self._translator.translate(record.error.code, self._language, record.error.params)
            line += f'<p class="blocked">{self._t("export_html.problem")}: {escape(message)}</p>'
        return line

    def _idea_section(self, record: RunRecord) -> str:
        interception = record.interception
        rules = ""
        attitude = ""
        if interception is not None:
            edited = f" ({self._t('export_html.rules_edited')})" if interception.rules_edited else ""
            rules = _box(self._t("export_html.rules") + edited, interception.rules)
            attitude = (
                f'<p><span class="label">{self._t("export_html.attitude")}</span> '
                f"{escape(self._names.attitude(interception.config_id, self._language))}</p>"
            )
        return f"{attitude}<div class='pair'>{_box(self._t('export_html.idea'), record.idea)}{rules}</div>"

    def _interception_section(self, record: RunRecord) -> str:
        interception = record.interception
        if interception is None:
            return ""
        rounds = ""
        if interception.rounds:
            items = "".join(
                f'<li data-language="{escape(item.language)}">'
                f"{_box(self._t('export_html.round', number=number, language=item.language), item.text)}</li>"
                for number, item in enumerate(interception.rounds, start=1)
            )
            rounds = f"<h3>{self._t('export_html.rounds')}</h3><ol class='rounds'>{items}</ol>"
        return (
            f"<h2>{self._t('export_html.interception')}</h2>{rounds}"
            f"<div class='pair'>{_box(self._t('export_html.interception'), interception.output)}</div>"
        )

    def _optimization_section(self, record: RunRecord) -> str:
        if not record.optimizations:
            return ""
        blocks = []
        for item in record.optimizations:
            output = escape(self._names.output(item.output_id, self._language))
            adapted = item.output if item.applied else item.output or item.input
            label = self._t("export_html.optimization_output")
            if not item.applied:
                label += f" ({self._t('export_html.passed_through')})"
            instruction = (
                _box(self._t("export_html.optimization_instruction"), item.instruction)
                if item.instruction
                else ""
            )
            blocks.append(
                f"<p><span class='label'>{self._t('export_html.output')}</span> {output}</p>"
                f"<div class='pair'>{_box(self._t('export_html.optimization_input'), item.input)}"
                f"{_box(label, adapted)}{instruction}</div>"
            )
        return f"<h2>{self._t('export_html.optimization')}</h2>{''.join(blocks)}"

    def _generation_section(self, index: int, generation: GenerationRecord, media_prefix: str) -> str:
        english = generation.translation.english if generation.translation else ""
        output = escape(self._names.output(generation.output_id, self._language))
        seed = escape(str(generation.seed)) if generation.seed is not None else "–"
        rows = [
            (self._t("export_html.output"), output),
            (self._t("export_html.seed"), seed),
            (self._t("export_html.status"), self._t(f"run_status.{generation.status.value}")),
        ]
        if generation.finished_at is not None:
            seconds = round((generation.finished_at - generation.started_at).total_seconds(), 1)
            rows.append((self._t("export_html.duration"), self._t("export_html.seconds", seconds=seconds)))
        table = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
        problem = ""
        if generation.error is not None:
            error = generation.error
            message = self._translator.translate(error.code, self._language, error.params)
            problem = f'<p class="blocked">{self._t("export_html.problem")}: {escape(message)}</p>'
        media = "".join(_media(item, self._names, media_prefix) for item in generation.media) or (
            f"<p>{self._t('export_html.no_media')}</p>"
        )
        return (
            f"<h2>{self._t('export_html.generation', number=index + 1)}</h2>"
            f"<div class='pair'>{_box(self._t('export_html.prompt'), generation.text)}"
            f"{_box(self._t('export_html.english'), english)}"
            f"{_box(self._t('export_html.negative'), generation.negative_prompt)}</div>"
            f"<table>{table}</table>{problem}"
            f"<h3>{self._t('export_html.media')}</h3>{media}"
        )

    def _safety_section(self, verdicts: list[SafetyVerdictRecord]) -> str:
        if not verdicts:
            return ""
        items = []
        for verdict in verdicts:
            explanation = ""
            if verdict.explanation_code:
                explanation = " – " + escape(
                    self._translator.translate(verdict.explanation_code, self._language)
                )
            decision = self._t(f"export_html.{verdict.decision}")
            items.append(
                f"<li>{self._t(f'export_html.safety_{verdict.stage}')}: "
                f'<span class="{escape(verdict.decision)}">{decision}</span> '
                f"({self._t('export_html.level', level=verdict.level)}){explanation}</li>"
            )
        return f"<h2>{self._t('export_html.safety')}</h2><ul>{''.join(items)}</ul>"


def _document(title: str, language: Language, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{language}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _box(label: str, text: str) -> str:
    """``label`` is already escaped; ``text`` is anyone's text."""
    return f'<div><p class="label">{label}</p><div class="box">{escape(text)}</div></div>'


def _media(item: MediaFileRecord, names: CatalogNames, prefix: str) -> str:
    source = escape(prefix + item.name)
    player = names.player(item)
    if player == "image":
        return f'<p><img src="{source}" alt=""></p>'
    if player == "audio":
        return f'<p><audio controls src="{source}"></audio></p>'
    if player == "video":
        return f'<p><video controls src="{source}"></video></p>'
    return f'<p><a href="{source}">{escape(item.name)}</a></p>'


_ICONS = {"audio": "♪", "video": "▶"}


def _thumbnail(record: RunRecord, names: CatalogNames) -> str:
    for generation in reversed(record.generations):
        for item in generation.media:
            player = names.player(item)
            if player == "image":
                return f'<img src="runs/{escape(record.id)}/{escape(item.name)}" alt="">'
            return f'<div class="icon" aria-hidden="true">{_ICONS.get(player, "□")}</div>'
    return '<div class="icon" aria-hidden="true">✎</div>'


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
