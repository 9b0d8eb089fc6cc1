"""Format 1.1: what changed from 1.0, as subclasses of its models.

Every change is additive, OCDS's rule for a minor version: a valid 1.0 record is
a valid 1.1 record. Each new field says what the *sources* say (their hedge,
their date of revelation, the office they describe), never the recorder's own
judgment. `docs/format-1.1.md` is the contract; the design notes are in
`docs/design/format-1.1-research.md`.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.models import base, incident, operator, response, target
from sarschema.models.base import Model, ProductId
from sarschema.types import Date, Language, PartialDate, Text, Url
from sarschema.vocab import Certainty, Held, RelationV11, Role, Subject


def _scalar_or(model: str) -> Any:
    """A discriminator for `value | Model`: a mapping is the model, anything else the
    bare value (whose own type then reports what is wrong with it)."""

    def pick(value: Any) -> str:
        return model if isinstance(value, dict | BaseModel) else "value"

    return pick


class Original(Model):
    """The original of a translated source, as far as it is known (at least one key)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    url: Url | None = Field(None, description="Where the original was published.")
    language: Language | None = Field(
        None, description="The original's language; not the translation's own."
    )
    publisher: Text | None = Field(
        None, description="The publisher's own name, where the copy gives a translated one."
    )
    title: Text | None = Field(None, description="The original headline.")
    published: Date | None = Field(None, description="When the original was published.")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise PydanticCustomError(Code.ORIGINAL_EMPTY, "`translation_of` describes nothing")
        return self


TranslationOf = Annotated[
    Annotated[Url, Tag("value")] | Annotated[Original, Tag("original")],
    Discriminator(_scalar_or("original")),
]


class Source(base.Source):
    __doc__ = base.Source.__doc__

    translation_of: TranslationOf | None = Field(  # type: ignore[assignment]
        None,
        description="The original, when this source is a translation: its URL, or what "
        "is known of it (a mapping, new in 1.1).",
    )

    @model_validator(mode="after")
    def _original_language(self) -> Self:
        original = self.translation_of
        if isinstance(original, Original) and original.language == self.language:
            raise PydanticCustomError(
                Code.TRANSLATION_LANGUAGE,
                "the original's language is the source's own ({language})",
                {"field": "translation_of", "language": str(self.language)},
            )
        return self


Sources = Annotated[list[Source], Field(min_length=1)]
_SOURCES = Field(description="The public reporting the record rests on (at least one).")


class Incident(incident.Incident):
    __doc__ = incident.Incident.__doc__

    model_config = ConfigDict(
        json_schema_extra={
            **incident.Incident.model_config.get("json_schema_extra", {}),  # type: ignore[dict-item]
            # each alternative names its property, as ajv's strict mode requires, and
            # allows any value there: a YAML 1.2 reader takes `revealed: 2021` as a number
            "anyOf": [
                {"required": [key], "properties": {key: True}} for key in ("date", "revealed")
            ],
            "dependentRequired": {"date_end": ["date"]},
        }
    )

    sources: Sources = _SOURCES  # type: ignore[assignment]
    date: Date | None = Field(  # type: ignore[assignment]
        None, description="When it happened or began; may be left out when `revealed` is given."
    )
    revealed: Date | None = Field(
        None,
        description="When the surveillance was first made public (new in 1.1); neither "
        "`date` nor `date_end` is after it.",
    )
    certainty: Certainty | None = Field(
        None,
        description="How the sources word the incident (new in 1.1); left out, it is not assessed.",
    )

    @model_validator(mode="after")
    def _dates_and_revealed(self) -> Self:
        if self.date is None and self.revealed is None:
            raise PydanticCustomError(
                Code.DATE_OR_REVEALED,
                "an incident needs `date` (when it happened), `revealed` (when it became "
                "known) or both",
            )
        if self.date is None and self.date_end is not None:
            raise PydanticCustomError(
                Code.END_WITHOUT_DATE,
                "`date_end` needs `date`, the start of the span",
                {"field": "date"},
            )
        revealed = self.revealed
        for name in ("date", "date_end"):
            value: PartialDate | None = getattr(self, name)
            if revealed is not None and value is not None and not revealed.not_before(value):
                raise PydanticCustomError(
                    Code.AFTER_REVEALED,
                    "{name} ({value}) is after revealed ({revealed})",
                    {"field": name, "name": name, "value": str(value), "revealed": str(revealed)},
                )
        return self


class HeldRole(Model):
    """A role as the sources describe it at a date: held then, or held before."""

    role: Role = Field(description="The role.")
    held: Held = Field(description="Whether the sources describe it as held or left.")
    as_of: Date = Field(
        description="When the sources describe it so: usually their publication date."
    )


RoleEntry = Annotated[
    Annotated[Role, Tag("value")] | Annotated[HeldRole, Tag("held")],
    Discriminator(_scalar_or("held")),
]


class RelatedTarget(target.RelatedTarget):
    __doc__ = target.RelatedTarget.__doc__

    relation: RelationV11 = Field(description="What the other person is to this target.")


class RelatedName(target.RelatedName):
    __doc__ = target.RelatedName.__doc__

    relation: RelationV11 = Field(description="What the other person is to this target.")


Related = Annotated[
    Annotated[RelatedTarget, Tag("target")] | Annotated[RelatedName, Tag("name")],
    target.Related.__metadata__[0],  # the same discriminator as 1.0's
]


class Target(target.Target):
    __doc__ = target.Target.__doc__

    sources: Sources = _SOURCES  # type: ignore[assignment]
    roles: Annotated[list[RoleEntry], Field(min_length=1)] = Field(  # type: ignore[assignment]
        description="What the target does (at least one role): a role, or a role with "
        "`held` and `as_of` as the sources describe it (new in 1.1)."
    )
    related: list[Related] | None = Field(  # type: ignore[assignment]
        None, description="Other people and what they are to this target."
    )


class Operator(operator.Operator):
    __doc__ = operator.Operator.__doc__

    sources: Sources = _SOURCES  # type: ignore[assignment]


_ABOUT_KEYS = ("incidents", "targets", "operators", "products", "subjects")


def _or(keys: tuple[str, ...]) -> str:
    return ", ".join(f"`{key}:`" for key in keys[:-1]) + f" or `{keys[-1]}:`"


class About(response.About):
    """What a response is about: at least one id or subject in one of the five lists."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"type": "array", "minItems": 1}}}
                for key in _ABOUT_KEYS
            ]
        }
    )

    products: list[ProductId] | None = Field(
        None, description="Ids of products, such as a spyware (new in 1.1)."
    )
    subjects: list[Subject] | None = Field(
        None, description="What it is about when it names no record (new in 1.1)."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not any(getattr(self, key) for key in _ABOUT_KEYS):
            raise PydanticCustomError(
                Code.ABOUT_EMPTY,
                "`about` must name at least one incident, target, operator, product or subject",
                {"keys": _or(_ABOUT_KEYS)},
            )
        return self


class Response(response.Response):
    __doc__ = response.Response.__doc__

    sources: Sources = _SOURCES  # type: ignore[assignment]
    about: About = Field(description="What it responds to: at least one id or subject.")


#: The record kinds of format 1.1, by `kind`.
MODELS: dict[str, type[base.RecordBase]] = {
    "incident": Incident,
    "target": Target,
    "operator": Operator,
    "response": Response,
}

__all__ = [
    "MODELS",
    "About",
    "HeldRole",
    "Incident",
    "Operator",
    "Original",
    "Response",
    "Source",
    "Target",
]
