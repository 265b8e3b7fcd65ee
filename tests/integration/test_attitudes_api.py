"""Teachers' attitudes: create, edit, duplicate, delete, export and import and the rules check of the
current protection level in-process (the ``api`` fixture); the school folder of a lab policy through
the running app, whose policy comes from its environment (AI4ARTSED_POLICY_FILE)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from server.catalog.loader import CatalogLoader
from server.resources import Resources
from tests.support.app_process import start_app
from tests.support.catalog_files import write_json
from tests.support.in_process import InProcessApp

SHIPPED = CatalogLoader(Resources.locate().app_root).load().interceptions


def draft(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": {"de": "Hundertwasser", "en": ""},
        "description": {"de": "Keine geraden Linien, leuchtende Farben.", "en": ""},
        "category": "arts",
        "context": {
            "de": "Beschreibe die Idee so, wie Hundertwasser sie malen würde: keine geraden Linien.",
            "en": "Describe the idea the way Friedensreich Hundertwasser would paint it: no straight lines.",
        },
        "icon": "🌀",
        "color": "#2e7d32",
        "min_age": 8,
        "parameters": {"temperature": 0.7},
    }
    data.update(overrides)
    return data


def catalog_entries(client: httpx.Client) -> dict[str, dict[str, Any]]:
    categories = client.get("/api/catalog/interceptions").json()["categories"]
    return {item["id"]: {**item, "category": c["id"]} for c in categories for item in c["interceptions"]}


def test_create_edit_duplicate_delete_update_the_catalog_live(api: InProcessApp) -> None:
    with api.client() as client:
        created = client.post("/api/attitudes", json={"attitude": draft()})
        assert created.status_code == 201, created.text
        body = created.json()
        attitude_id = body["id"]
        assert body["origin"] == "teacher" and body["editable"]
        # The empty English name and description fall back to the German ones.
        assert body["attitude"]["name"] == {"de": "Hundertwasser", "en": "Hundertwasser"}
        saved = json.loads((api.data_dir / "data" / "attitudes" / f"{attitude_id}.json").read_text("utf-8"))
        assert saved == body["attitude"]

        entry = catalog_entries(client)[attitude_id]
        assert entry["origin"] == "teacher" and entry["category"] == "arts"
        assert catalog_entries(client)["dada"]["origin"] == "shipped"

        edited = client.put(
            f"/api/attitudes/{attitude_id}", json={"attitude": draft(category="aesthetics", min_age=12)}
        )
        assert edited.status_code == 200, edited.text
        entry = catalog_entries(client)[attitude_id]
        assert (entry["category"], entry["min_age"]) == ("aesthetics", 12)

        copy = client.post("/api/attitudes/dada/duplicate")
        assert copy.status_code == 201, copy.text
        copy_id = copy.json()["id"]
        assert copy_id != "dada"
        assert copy.json()["attitude"]["context"] == SHIPPED["dada"].context.model_dump()
        assert copy.json()["attitude"]["name"]["en"].endswith("(copy)")

        # Shipped attitudes stay as they are: duplicate them instead.
        refused = client.put("/api/attitudes/dada", json={"attitude": draft()})
        assert refused.status_code == 403
        assert "Duplicate" in refused.json()["error"]["message"]
        assert client.delete("/api/attitudes/dada").status_code == 403

        for key in (attitude_id, copy_id):
            assert client.delete(f"/api/attitudes/{key}").status_code == 200
        entries = catalog_entries(client)
        assert attitude_id not in entries and copy_id not in entries and "dada" in entries
        assert list((api.data_dir / "data" / "attitudes").glob("*.json")) == []
        assert client.get(f"/api/attitudes/{attitude_id}").status_code == 404


def test_export_and_import_round_trip_keep_the_file_identical(api: InProcessApp) -> None:
    with api.client() as client:
        first = client.post("/api/attitudes", json={"attitude": draft()}).json()["id"]
        second = client.post("/api/attitudes", json={"attitude": draft(result="text")}).json()["id"]
        exported = client.get("/api/attitudes/export", params={"ids": f"{first},{second}"})
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        bundle = exported.json()
        assert [entry["id"] for entry in bundle["attitudes"]] == [first, second]

        # Shown before it is added: the ids are taken, so the preview names new ones.
        preview = client.post("/api/attitudes/import/preview", json=bundle).json()
        new_ids = [entry["id"] for entry in preview["attitudes"]]
        assert len(set(new_ids)) == 2 and not {first, second} & set(new_ids)
        assert catalog_entries(client).keys().isdisjoint(new_ids), "a preview adds nothing"

        for key in (first, second):
            client.delete(f"/api/attitudes/{key}")
        imported = client.post("/api/attitudes/import", json={"bundle": bundle})
        assert imported.status_code == 201, imported.text
        # Free again: the ids come back as they were, and the export is the same file.
        assert [entry["id"] for entry in imported.json()["attitudes"]] == [first, second]
        again = client.get("/api/attitudes/export", params={"ids": f"{first},{second}"})
        assert again.json() == bundle
        assert again.content == exported.content


def test_a_broken_import_is_refused_with_a_reason(api: InProcessApp) -> None:
    with api.client() as client:
        bundle = {"format": "ai4artsed-attitudes", "version": 1, "attitudes": [{"id": "x", "attitude": {}}]}
        refused = client.post("/api/attitudes/import/preview", json=bundle)
        assert refused.status_code == 400
        assert "attitudes.0.attitude" in refused.json()["error"]["message"]
        wrong = client.post("/api/attitudes/import", json={"bundle": {"format": "something-else"}})
        assert wrong.status_code == 400
        assert "format" in wrong.json()["error"]["message"]
        assert "x" not in catalog_entries(client)


def test_rules_with_blocked_terms_are_refused_at_kids_level(api: InProcessApp) -> None:
    with api.client("de") as client:
        assert client.get("/api/settings").json()["safety_level"] == "kids"
        context = {"de": "Male überall ein Hakenkreuz dazu.", "en": ""}
        refused = client.post("/api/attitudes", json={"attitude": draft(context=context)})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "attitude_rules_blocked"
        assert "Hakenkreuz" in refused.json()["error"]["message"]
        assert not (api.data_dir / "data" / "attitudes").exists() or not list(
            (api.data_dir / "data" / "attitudes").glob("*.json")
        )


def test_the_school_folder_of_a_lab_policy_is_read_only_and_broken_files_are_reported(tmp_path: Path) -> None:
    school = tmp_path / "school"
    shipped_dada = json.loads(
        (Resources.locate().app_root / "configs" / "interception" / "dada.json").read_text()
    )
    write_json(school / "school_collage.json", {**shipped_dada, "order": 1000})
    (school / "garbled.json").write_text("{ not json", encoding="utf-8")
    write_json(school / "dada.json", shipped_dada)  # an id the app already has
    own = tmp_path / "data" / "data" / "attitudes"
    write_json(
        own / "missing_icon.json", {key: value for key, value in shipped_dada.items() if key != "icon"}
    )
    policy = write_json(tmp_path / "policy.json", {"attitudes_dir": str(school)})
    with (
        start_app(tmp_path / "data", env={"AI4ARTSED_POLICY_FILE": str(policy)}) as app,
        app.client() as client,
    ):
        entries = catalog_entries(client)
        assert entries["school_collage"]["origin"] == "school"
        assert entries["dada"]["origin"] == "shipped"
        assert "missing_icon" not in entries
        assert client.put("/api/attitudes/school_collage", json={"attitude": draft()}).status_code == 403
        assert client.delete("/api/attitudes/school_collage").status_code == 403
        assert (school / "school_collage.json").exists()
        problems = {(p["file"], p["code"]) for p in client.get("/api/catalog/problems").json()["problems"]}
        assert ("school/garbled.json", "catalog_invalid_json") in problems
        assert ("school/dada.json", "catalog_duplicate_attitude") in problems
        assert ("attitudes/missing_icon.json", "catalog_missing_field") in problems
        # A copy of the school's attitude is the teacher's own.
        copy = client.post("/api/attitudes/school_collage/duplicate")
        assert copy.status_code == 201 and copy.json()["origin"] == "teacher"


def test_telephone_settings_are_checked_when_saved(api: InProcessApp) -> None:
    telephone = SHIPPED["telephone"]
    with api.client() as client:
        small = draft(
            kind="recursive",
            recursion={"rounds": 8, "languages": ["fr", "ja", "sw"], "end_language": "en"},
        )
        refused = client.post("/api/attitudes", json={"attitude": small})
        assert refused.status_code == 400
        assert "8 rounds need at least 8 different languages" in refused.json()["error"]["message"]
        assert telephone.recursion is not None
        good = draft(
            kind="recursive",
            recursion={"rounds": 4, "languages": telephone.recursion.languages[:6], "end_language": "en"},
        )
        created = client.post("/api/attitudes", json={"attitude": good})
        assert created.status_code == 201, created.text
        assert catalog_entries(client)[created.json()["id"]]["recursion"]["end_language"] == "en"
