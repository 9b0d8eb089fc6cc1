"""response: what someone did about surveillance."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.models.base import (
    IncidentId,
    Model,
    OperatorId,
    RecordBase,
    TargetId,
    Translations,
    one_of,
)
from sarschema.types import Country, Date, Text
from sarschema.vocab import LegalStatus, ResponderType, ResponseType


class ByOperator(Model):
    """A responder that has an operator record."""

    operator: OperatorId = Field(description="Id of an operator record.")


class ByTarget(Model):
    """A responder that has a target record."""

    target: TargetId = Field(description="Id of a target record.")


class ByName(Model):
    """A responder without a record of its own."""

    name: Text = Field(description="A responder with no record of its own.")
    type: ResponderType = Field(description="What kind of responder this is.")
    country: Country | None = Field(None, description="The responder's country.")


By = Annotated[
    Annotated[ByOperator, Tag("operator")]
    | Annotated[ByTarget, Tag("target")]
    | Annotated[ByName, Tag("name")],
    Discriminator(
        one_of("operator", "target", "name"),
        custom_error_type=Code.ONE_OF,
        custom_error_message="each `by` entry needs exactly one of `operator`, `target` or `name`",
        custom_error_context={"keys": "operator, target, name"},
    ),
]


class About(Model):
    """What a response is about: at least one id in one of the three lists."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"type": "array", "minItems": 1}}}
                for key in ("incidents", "targets", "operators")
            ]
        }
    )

    incidents: list[IncidentId] | None = Field(None, description="Ids of incident records.")
    targets: list[TargetId] | None = Field(None, description="Ids of target records.")
    operators: list[OperatorId] | None = Field(None, description="Ids of operator records.")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (self.incidents or self.targets or self.operators):
            raise PydanticCustomError(
                Code.ABOUT_EMPTY,
                "`about` must name at least one incident, target or operator",
                {"keys": "`incidents:`, `targets:` or `operators:`"},
            )
        return self


class Response(RecordBase):
    """What someone did about surveillance."""

    kind: Literal["response"] = Field(description="Always `response`.")
    title: Text = Field(description="A short neutral title.")
    summary: Text = Field(description="What was done or said, by whom, in neutral wording.")
    type: ResponseType = Field(description="What kind of response this is.")
    date: Date = Field(description="When it was made or began.")
    by: Annotated[list[By], Field(min_length=1)] = Field(description="Who responded.")
    about: About = Field(description="What it responds to: at least one id.")
    demands: list[Text] | None = Field(None, description="The asks of a call to action.")
    status: LegalStatus | None = Field(None, description="For legal and official processes.")
    translations: Translations | None = Field(
        None, description="Title and summary in other languages, keyed by language code."
    )
