"""incident: one act of surveillance against one or more targets."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.models.base import (
    Model,
    OperatorId,
    ProductId,
    RecordBase,
    TargetId,
    Translations,
)
from sarschema.types import Country, Date, PartialDate, Text
from sarschema.vocab import Attribution, Evidence, ForensicResult, Platform, Status, Vector


class AllegedOperator(Model):
    """An operator named for an incident, and how firmly."""

    operator: OperatorId = Field(description="Id of an operator record.")
    attribution: Attribution = Field(description="How firmly the operator is attributed.")


class ForensicAnalysis(Model):
    """A technical examination of a device and what it found."""

    by: Text = Field(description="Who made the analysis.")
    result: ForensicResult = Field(description="What it found.")
    date: Date | None = Field(None, description="When the analysis was made.")
    method: Text | None = Field(None, description="How, e.g. the tool used.")
    peer_review: Text | None = Field(None, description="Who reviewed the findings.")


class Incident(RecordBase):
    """One act of surveillance against one or more targets."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {
                    "evidence": {"type": "array", "contains": {"const": "forensic-analysis"}}
                },
                "required": ["evidence"],
            },
            "then": {
                "required": ["forensic_analyses"],
                "properties": {"forensic_analyses": {"type": "array", "minItems": 1}},
            },
        }
    )

    kind: Literal["incident"] = Field(description="Always `incident`.")
    title: Text = Field(description="A short neutral title.")
    summary: Text = Field(description="What happened, according to whom, in neutral wording.")
    date: Date = Field(description="When it happened or began.")
    date_end: Date | None = Field(
        None,
        description="With `date`, the span in which it happened or lasted; not before `date`, "
        "compared at the coarser precision.",
    )
    targets: Annotated[list[TargetId], Field(min_length=1)] = Field(
        description="Ids of target records."
    )
    alleged_operators: list[AllegedOperator] | None = Field(
        None, description="Operators named for this incident; leave out when none is named."
    )
    spyware: list[ProductId] | None = Field(
        None, description="Product ids, each listed by an operator of type vendor."
    )
    status: Status = Field(description="The furthest step shown.")
    evidence: Annotated[list[Evidence], Field(min_length=1)] = Field(
        description="The kinds of evidence behind the record (at least one)."
    )
    forensic_analyses: list[ForensicAnalysis] | None = Field(
        None, description="Required when `evidence` holds forensic-analysis."
    )
    vectors: list[Vector] | None = Field(None, description="How the spyware was delivered.")
    platforms: list[Platform] | None = Field(None, description="The devices' platforms.")
    location: Country | None = Field(None, description="Where the target was.")
    translations: Translations | None = Field(
        None, description="Title and summary in other languages, keyed by language code."
    )

    @field_validator("date_end")
    @classmethod
    def _end_not_before_start(cls, end: PartialDate | None, info: object) -> PartialDate | None:
        start = getattr(info, "data", {}).get("date")
        if end is not None and isinstance(start, PartialDate) and not end.not_before(start):
            raise PydanticCustomError(
                Code.DATE_ORDER,
                "date_end ({end}) is before date ({start})",
                {"end": str(end), "start": str(start)},
            )
        return end

    @model_validator(mode="after")
    def _forensic_needs_analyses(self) -> Self:
        if Evidence.FORENSIC_ANALYSIS in self.evidence and not self.forensic_analyses:
            raise PydanticCustomError(
                Code.FORENSIC_MISSING,
                "evidence lists forensic-analysis, so forensic_analyses is required",
                {"field": "forensic_analyses"},
            )
        return self
