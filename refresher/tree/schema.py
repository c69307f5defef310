"""JSON Schema (draft 2020-12) generated from :mod:`refresher.tree.record_schema`, committed in ``schema/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from refresher.tree.jsonio import dumps, write_atomic
from refresher.tree.record_schema import FILE_KINDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"


class _AbsentNotNull(GenerateJsonSchema):
    """Optional fields are absent, never ``null``: the schema says so (pydantic would allow null).
    A record's definition is named for what it describes (``OfferingRecord`` → ``Offering``)."""

    def nullable_schema(self, schema: Any) -> Any:
        return self.generate_inner(schema["schema"])

    def normalize_name(self, name: str) -> str:
        # OfferingRecord and ModelRecord (named apart from gate_consumer's read objects) are
        # published as the Offering and Model they describe
        return super().normalize_name(name).removesuffix("Record")

    def default_schema(self, schema: Any) -> Any:
        result = super().default_schema(schema)
        if result.get("default", ...) is None:
            del result["default"]
        return result


def generate() -> dict[str, dict[str, Any]]:
    """File name → schema, for every metadata file kind."""
    out = {}
    for kind, model in FILE_KINDS.items():
        schema = model.model_json_schema(schema_generator=_AbsentNotNull)
        out[f"{kind}.schema.json"] = {"$schema": DRAFT, **schema}
    return out


def write(directory: Path) -> list[Path]:
    """Write the schemas into ``directory``; return the files that changed."""
    return [
        directory / name
        for name, schema in generate().items()
        if write_atomic(directory / name, dumps(schema))
    ]
