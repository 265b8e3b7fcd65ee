"""The 3-part prompt: Task (how to transform), Context (the rules), Input (the text).

The parts stay separate fields until the one place that turns them into chat messages for the
provider: the task and the rules are instructions (system message), the student's text is the user
message, verbatim. The run record keeps the three parts, never the assembled messages alone.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from server.i18n.translator import Language

_CONTEXT_LABEL: dict[Language, str] = {"de": "Kontext", "en": "Context"}


class ThreePartPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    context: str
    input: str
    language: Language  # the language of the task text and its labels

    def to_messages(self) -> list[dict[str, str]]:
        system = self.task
        if self.context.strip():
            system += f"\n\n{_CONTEXT_LABEL[self.language]}:\n{self.context.strip()}"
        return [{"role": "system", "content": system}, {"role": "user", "content": self.input}]
