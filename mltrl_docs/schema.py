"""JSON Schemas of the document kinds, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path

from .ethics import Checklist, document_models

SCHEMA_VERSION = 1


def schema_for(kind: str, checklist: Checklist | None = None) -> dict:
    """The JSON Schema of one document kind's front matter (``ethics`` as ``checklist`` asks it)."""
    schema = document_models(checklist)[kind].model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://mltrl-docs.invalid/schema/v{SCHEMA_VERSION}/{kind}.json", **schema}


def schema_file_name(kind: str) -> str:
    """File name of a kind's schema, e.g. ``card.schema.json``."""
    return f"{kind}.schema.json"


def all_schemas(checklist: Checklist | None = None) -> dict[str, str]:
    """Every schema as JSON text, by file name."""
    return {schema_file_name(kind): json.dumps(schema_for(kind, checklist), indent=2) + "\n"
            for kind in document_models(checklist)}


def write_schemas(out_dir: Path, checklist: Checklist | None = None) -> list[Path]:
    """Write every schema into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in all_schemas(checklist).items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
