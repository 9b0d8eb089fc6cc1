"""Custom field types of the record format, one per module.

Each raises `PydanticCustomError` whose error type is its diagnostic code
(`sarschema.codes.Code`), and carries a role marker (`sarschema.markers`) that
tells every consumer what its values are.
"""

from sarschema.types.country import Country
from sarschema.types.language import Language
from sarschema.types.partial_date import Date, PartialDate
from sarschema.types.slug import Id
from sarschema.types.text import Text
from sarschema.types.url import Url

__all__ = ["Country", "Date", "Id", "Language", "PartialDate", "Text", "Url"]
