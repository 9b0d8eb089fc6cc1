"""Pydantic models of the four record kinds, and the union that picks one by `kind`."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from sarschema.__about__ import FORMAT_VERSION
from sarschema.models.base import RecordBase, Source
from sarschema.models.incident import Incident
from sarschema.models.operator import Operator
from sarschema.models.response import Response
from sarschema.models.target import Target

#: Every record kind: dispatch on it with `match` and `assert_never` (a 1.1 model is
#: a subclass of its 1.0 model, so this covers both versions).
Record = Incident | Target | Operator | Response

from sarschema.models import v1_1  # noqa: E402  (it builds on the models above)

#: The record kinds of each format version, by `kind`.
VERSIONS: dict[str, dict[str, type[RecordBase]]] = {
    "1.0": {"incident": Incident, "target": Target, "operator": Operator, "response": Response},
    "1.1": v1_1.MODELS,
}
#: The newest version's kinds: what exports, the dictionary and `new` follow.
MODELS = VERSIONS[FORMAT_VERSION]


def any_record(version: str = FORMAT_VERSION) -> Any:
    """The union of a version's kinds, chosen by `kind`: validation and the schema
    follow the registry, so a model put there is used everywhere."""
    kinds = VERSIONS[version]
    return Annotated[Union[tuple(kinds.values())], Field(discriminator="kind")]  # noqa: UP007


@cache
def record_adapter(version: str = FORMAT_VERSION) -> TypeAdapter[Record]:
    """Built on first use, not at import: schema building is the slow part."""
    adapter: TypeAdapter[Record] = TypeAdapter(any_record(version))
    return adapter


__all__ = [
    "MODELS",
    "VERSIONS",
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
