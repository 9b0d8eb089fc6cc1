"""Shared pieces of every record kind. Models are pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import PRODUCT, RecordName, RefersTo
from sarschema.types import Date, Language, PartialDate, Text, Url
from sarschema.types.slug import Id

#: Ids that must name a record (or product) of one kind, checked across records.
IncidentId = Annotated[Id, RefersTo("incident")]
TargetId = Annotated[Id, RefersTo("target")]
OperatorId = Annotated[Id, RefersTo("operator")]
ProductId = Annotated[Id, RefersTo(PRODUCT)]
#: A name of the record itself (compared with other records' names for look-alikes).
Name = Annotated[Text, RecordName()]


class Model(BaseModel):
    """Closed models: an unknown field is an error, never silently dropped; and an
    explicit null is an error, as in the JSON Schema (leave an optional field out)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None:
                    raise PydanticCustomError(
                        Code.EMPTY_VALUE, "`{field}` is empty (null)", {"field": key}
                    )
        return data


class Source(Model):
    """A public document a record rests on."""

    title: Text = Field(description="Headline as published.")
    publisher: Text = Field(description="Outlet or organisation.")
    published: Date = Field(description="Publication date.")
    language: Language = Field(description="Language of the document.")
    url: Url | None = Field(None, description="Where it was published (a warning when missing).")
    archived_url: Url | None = Field(None, description="A web-archive copy.")
    translation_of: Url | None = Field(
        None, description="The original, when this source is a translation."
    )
    notes: Text | None = Field(
        None, description="E.g. which source this one translates when it has no URL."
    )


class Translation(Model):
    """A title and summary in another language."""

    title: Text | None = Field(None, description="The title in this language.")
    summary: Text | None = Field(None, description="The summary in this language.")


Translations = dict[Language, Translation]


class RecordBase(Model):
    if TYPE_CHECKING:
        kind: str  # each kind's model declares it, as a Literal, where its schema wants it

    id: Id = Field(description="The record's id; equals the file name without `.yaml`.")
    sources: Annotated[list[Source], Field(min_length=1)] = Field(
        description="The public reporting the record rests on (at least one)."
    )
    notes: Text | None = Field(None, description="Free notes, e.g. how a date was inferred.")


def one_of(*keys: str) -> Callable[[Any], str | None]:
    """A discriminator: the single key of `keys` present in a mapping, or None."""

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            present = [k for k in keys if getattr(value, k, None) is not None]
        elif isinstance(value, dict):
            present = [k for k in keys if k in value]
        else:
            return keys[0]  # not a mapping: let the first model report the type
        return present[0] if len(present) == 1 else None

    return pick


__all__ = [
    "Date",
    "Id",
    "IncidentId",
    "Model",
    "Name",
    "OperatorId",
    "PartialDate",
    "ProductId",
    "RecordBase",
    "Source",
    "TargetId",
    "Translation",
    "Translations",
    "one_of",
]
