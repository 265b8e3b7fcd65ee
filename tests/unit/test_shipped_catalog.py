"""The catalog that ships with the app loads without a single problem."""

from __future__ import annotations

from collections import Counter

import pytest

from server.catalog.loader import CatalogLoader
from server.catalog.models import InterceptionCategory, InterceptionKind
from server.catalog.registry import Catalog
from server.resources import Resources


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CatalogLoader(Resources.locate().app_root).load()


def test_shipped_catalog_has_no_problems(catalog: Catalog) -> None:
    assert [(p.file, p.field, p.code.value, p.params) for p in catalog.problems] == []


def test_at_least_twenty_attitudes_in_every_category(catalog: Catalog) -> None:
    assert len(catalog.interceptions) >= 20
    per_category = Counter(config.category for config in catalog.interceptions.values())
    for category in InterceptionCategory:
        assert per_category[category] >= 2, category


def test_attitudes_are_written_in_both_languages(catalog: Catalog) -> None:
    for attitude_id, config in catalog.interceptions.items():
        if config.kind is InterceptionKind.TRANSFORM and attitude_id != "your_call":
            assert len(config.context.de) > 200 and len(config.context.en) > 200, attitude_id
            assert config.context.de != config.context.en, attitude_id
        assert config.description.de != config.description.en, attitude_id


def test_freestyle_attitudes_exist_with_their_kinds(catalog: Catalog) -> None:
    assert catalog.interceptions["your_call"].context.en == ""
    telephone = catalog.interceptions["telephone"]
    assert telephone.kind is InterceptionKind.RECURSIVE
    assert telephone.recursion is not None and telephone.recursion.rounds >= 2
    assert catalog.interceptions["as_is"].kind is InterceptionKind.PASSTHROUGH


def test_orders_are_unique_within_a_category(catalog: Catalog) -> None:
    seen = Counter((config.category, config.order) for config in catalog.interceptions.values())
    assert [key for key, count in seen.items() if count > 1] == []
