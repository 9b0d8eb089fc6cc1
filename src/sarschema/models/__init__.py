"""Pydantic models of the four record kinds, and the union that picks one by `kind`."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from sarschema.models.base import RecordBase, Source
from sarschema.models.incident import Incident
from sarschema.models.operator import Operator
from sarschema.models.response import Response
from sarschema.models.target import Target

AnyRecord = Annotated[Incident | Target | Operator | Response, Field(discriminator="kind")]
MODELS: dict[str, type[RecordBase]] = {
    "incident": Incident,
    "target": Target,
    "operator": Operator,
    "response": Response,
}


@cache
def record_adapter() -> TypeAdapter[Any]:
    """Built on first use, not at import: schema building is the slow part."""
    return TypeAdapter(AnyRecord)


__all__ = [
    "MODELS",
    "AnyRecord",
    "Incident",
    "Operator",
    "RecordBase",
    "Response",
    "Source",
    "Target",
    "record_adapter",
]
