"""Pydantic models of the four record kinds, and the union that picks one by `kind`."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from sarschema.models.base import RecordBase, Source
from sarschema.models.incident import Incident
from sarschema.models.operator import Operator
from sarschema.models.response import Response
from sarschema.models.target import Target

#: Every record kind: dispatch on it with `match` and `assert_never`.
Record = Incident | Target | Operator | Response
MODELS: dict[str, type[RecordBase]] = {
    "incident": Incident,
    "target": Target,
    "operator": Operator,
    "response": Response,
}


def any_record() -> Any:
    """The union of the registered kinds (`MODELS`), chosen by `kind`: validation and
    the schema follow the registry, so a model put there is used everywhere."""
    return Annotated[Union[tuple(MODELS.values())], Field(discriminator="kind")]  # noqa: UP007


@cache
def record_adapter() -> TypeAdapter[Record]:
    """Built on first use, not at import: schema building is the slow part."""
    adapter: TypeAdapter[Record] = TypeAdapter(any_record())
    return adapter


__all__ = [
    "MODELS",
    "Incident",
    "Operator",
    "Record",
    "RecordBase",
    "Response",
    "Source",
    "Target",
    "any_record",
    "record_adapter",
]
