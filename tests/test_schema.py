import json

from jsonschema import Draft202012Validator

from refresher.tree import schema
from tests.conftest import REPO


def test_committed_schema_matches_the_models() -> None:
    generated = schema.generate()
    committed = {p.name: json.loads(p.read_text()) for p in (REPO / "schema").glob("*.schema.json")}
    assert committed == generated, "schema/ is out of date: run `faimeta schema`"


def test_schemas_are_valid_draft_2020_12_with_stable_ids() -> None:
    for name, document in schema.generate().items():
        Draft202012Validator.check_schema(document)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"] == f"https://fusionaize.github.io/metadata/v1/schema/{name}"


def test_absent_is_not_null() -> None:
    validator = Draft202012Validator(schema.generate()["provider.schema.json"])
    record = json.loads((REPO / "metadata/providers/anthropic.json").read_text())
    assert not list(validator.iter_errors(record))
    record["docs_url"] = None
    assert any("None is not of type 'string'" in e.message for e in validator.iter_errors(record))
