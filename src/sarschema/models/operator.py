"""operator: a state, agency or company alleged to operate or supply spyware."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import PRODUCT, Defines, RefersTo
from sarschema.models.base import Model, Name, RecordBase
from sarschema.types import Country, Id, Text
from sarschema.vocab import OperatorType


class Product(Model):
    """A spyware product of a vendor."""

    id: Annotated[Id, Defines(PRODUCT)] = Field(
        description="The product's id, in the same id space as records."
    )
    name: Text = Field(description="The product's name.")


class Operator(RecordBase):
    """A state, agency or company alleged to operate or supply spyware."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {
                        "properties": {"type": {"type": "string", "not": {"const": "unknown"}}},
                        "required": ["type"],
                    },
                    "then": {"required": ["country"], "properties": {"country": True}},
                },
                {
                    # Said of `products` (not of `type`), so that validators and editors
                    # point at the products, where sarschema points too.
                    "if": {
                        "properties": {"type": {"type": "string", "not": {"const": "vendor"}}},
                        "required": ["type"],
                    },
                    "then": {"properties": {"products": False}},
                },
            ]
        }
    )

    kind: Literal["operator"] = Field(description="Always `operator`.")
    name: Name = Field(description="The operator's usual name in English.")
    type: OperatorType = Field(description="What kind of operator this is.")
    country: Country | None = Field(
        None,
        description="A state's own country; a company's seat. Required unless type is unknown.",
    )
    aliases: list[Name] | None = Field(
        None, description="Other names, spellings and transliterations."
    )
    parent: Annotated[Id, RefersTo("operator", hierarchy=True)] | None = Field(
        None, description="An agency's state, a vendor's parent company (an operator id)."
    )
    products: list[Product] | None = Field(
        None, description="Only an operator of type vendor may have this field."
    )

    @model_validator(mode="after")
    def _type_rules(self) -> Self:
        if self.country is None and self.type is not OperatorType.UNKNOWN:
            raise PydanticCustomError(
                Code.COUNTRY_REQUIRED,
                "an operator of type {type} needs a country",
                {"field": "country", "type": str(self.type)},
            )
        if self.products is not None and self.type is not OperatorType.VENDOR:
            raise PydanticCustomError(
                Code.PRODUCTS_NOT_VENDOR,
                "only an operator of type vendor may list products (this one is {type})",
                {"field": "products", "type": str(self.type)},
            )
        return self
