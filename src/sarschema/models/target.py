"""target: a person or organisation that was targeted."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, StrictBool, Tag

from sarschema.codes import Code
from sarschema.models.base import Model, Name, RecordBase, TargetId, one_of
from sarschema.types import Country, Text
from sarschema.vocab import Relation, Role, TargetType, Visibility


class RelatedTarget(Model):
    """Another target and what they are to this one."""

    target: TargetId = Field(description="Id of the other target's record.")
    relation: Relation = Field(description="What the other person is to this target.")


class RelatedName(Model):
    """A person without a target record and what they are to this target."""

    name: Text = Field(description="Name of a person who has no target record.")
    relation: Relation = Field(description="What the other person is to this target.")


Related = Annotated[
    Annotated[RelatedTarget, Tag("target")] | Annotated[RelatedName, Tag("name")],
    Discriminator(
        one_of("target", "name"),
        custom_error_type=Code.ONE_OF,
        custom_error_message="each related entry needs exactly one of `target` or `name`",
        custom_error_context={"keys": "target, name"},
    ),
]


class Target(RecordBase):
    """A person or organisation that was targeted."""

    kind: Literal["target"] = Field(description="Always `target`.")
    name: Name = Field(description="The public name, or a pseudonym such as `Journalist A`.")
    visibility: Visibility = Field(description="No default: a contributor decides.")
    type: TargetType = Field(description="A person or an organisation.")
    roles: Annotated[list[Role], Field(min_length=1)] = Field(
        description="What the target does (at least one role)."
    )
    aliases: list[Name] | None = Field(None, description="Other spellings and transliterations.")
    nationalities: list[Country] | None = Field(None, description="Country codes.")
    residence: Country | None = Field(None, description="Country of residence (never an address).")
    exiled: StrictBool | None = Field(
        None, description="Lives outside the country that persecutes them."
    )
    affiliations: list[Text] | None = Field(None, description="Outlets, organisations.")
    related: list[Related] | None = Field(
        None, description="Other people and what they are to this target."
    )
