"""target: a person or organisation that was targeted."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, StrictBool, Tag

from sarschema.models.base import Model, RecordBase, one_of
from sarschema.types import Country, Id, Text
from sarschema.vocab import Relation, Role, TargetType, Visibility


class RelatedTarget(Model):
    target: Id = Field(description="Id of the other target's record.")
    relation: Relation = Field(description="What the other person is to this target.")


class RelatedName(Model):
    name: Text = Field(description="Name of a person who has no target record.")
    relation: Relation = Field(description="What the other person is to this target.")


Related = Annotated[
    Annotated[RelatedTarget, Tag("target")] | Annotated[RelatedName, Tag("name")],
    Discriminator(
        one_of("target", "name"),
        custom_error_type="sar_one_of",
        custom_error_message="each related entry needs exactly one of `target` or `name`",
        custom_error_context={"keys": "target, name"},
    ),
]


class Target(RecordBase):
    kind: Literal["target"]
    name: Text = Field(description="The public name, or a pseudonym such as `Journalist A`.")
    visibility: Visibility = Field(description="No default: a contributor decides.")
    type: TargetType
    roles: Annotated[list[Role], Field(min_length=1)]
    aliases: list[Text] | None = Field(None, description="Other spellings and transliterations.")
    nationalities: list[Country] | None = None
    residence: Country | None = None
    exiled: StrictBool | None = Field(
        None, description="Lives outside the country that persecutes them."
    )
    affiliations: list[Text] | None = Field(None, description="Outlets, organisations.")
    related: list[Related] | None = Field(
        None, description="Other people and what they are to this target."
    )
