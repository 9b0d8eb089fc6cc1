"""response: what someone did about surveillance."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from sarschema.models.base import Model, RecordBase, Translations, one_of
from sarschema.types import Country, Id, PartialDate, Text
from sarschema.vocab import LegalStatus, ResponderType, ResponseType


class ByOperator(Model):
    operator: Id = Field(description="Id of an operator record.")


class ByTarget(Model):
    target: Id = Field(description="Id of a target record.")


class ByName(Model):
    name: Text = Field(description="A responder with no record of its own.")
    type: ResponderType
    country: Country | None = None


By = Annotated[
    Annotated[ByOperator, Tag("operator")]
    | Annotated[ByTarget, Tag("target")]
    | Annotated[ByName, Tag("name")],
    Discriminator(
        one_of("operator", "target", "name"),
        custom_error_type="sar_one_of",
        custom_error_message="each `by` entry needs exactly one of `operator`, `target` or `name`",
        custom_error_context={"keys": "operator, target, name"},
    ),
]


class About(Model):
    incidents: list[Id] | None = None
    targets: list[Id] | None = None
    operators: list[Id] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (self.incidents or self.targets or self.operators):
            raise PydanticCustomError(
                "sar_about_empty", "`about` must name at least one incident, target or operator"
            )
        return self


class Response(RecordBase):
    kind: Literal["response"]
    title: Text
    summary: Text
    type: ResponseType
    date: PartialDate
    by: Annotated[list[By], Field(min_length=1)] = Field(description="Who responded.")
    about: About = Field(description="What it responds to: at least one id.")
    demands: list[Text] | None = Field(None, description="The asks of a call to action.")
    status: LegalStatus | None = Field(None, description="For legal and official processes.")
    translations: Translations | None = None
