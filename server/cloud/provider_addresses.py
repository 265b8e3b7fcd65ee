"""Provider addresses replaced for this launch by ``AI4ARTSED_PROVIDER_URLS`` (tests, school gateways).

The variable holds a JSON object of provider id -> base URL, e.g.
``{"openai": "http://127.0.0.1:8123/openai/v1"}``. A key goes to its provider's address only, and this
is how that address is moved: through the environment of the app, which whoever sets it controls as
much as the key file itself. No request from the UI can change it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence

from server.llm.provider_presets import ProviderPreset

log = logging.getLogger(__name__)

PROVIDER_URLS_ENV = "AI4ARTSED_PROVIDER_URLS"


def with_address_overrides(
    presets: Sequence[ProviderPreset], environ: Mapping[str, str]
) -> list[ProviderPreset]:
    raw = environ.get(PROVIDER_URLS_ENV, "").strip()
    if not raw:
        return list(presets)
    try:
        overrides = json.loads(raw)
        if not isinstance(overrides, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in overrides.items()
        ):
            raise ValueError("expected an object of provider id -> URL")
    except ValueError as exc:
        log.error("%s is ignored: %s", PROVIDER_URLS_ENV, exc)
        return list(presets)
    result: list[ProviderPreset] = []
    for preset in presets:
        url = overrides.get(preset.id)
        if url is None or preset.base_url is None:
            result.append(preset)
            continue
        try:
            moved = ProviderPreset.model_validate({**preset.model_dump(), "base_url": url})
        except ValueError as exc:
            log.error("%s: the address for %s is ignored: %s", PROVIDER_URLS_ENV, preset.id, exc)
            result.append(preset)
            continue
        log.warning("provider %s uses the address %s for this launch (%s)", preset.id, url, PROVIDER_URLS_ENV)
        result.append(moved)
    return result
