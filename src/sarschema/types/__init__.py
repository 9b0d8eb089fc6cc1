"""Custom field types of the record format, one per module.

Each raises `PydanticCustomError` with a stable `sar_*` error type, which
`sarschema.schema_errors` maps to a diagnostic code.
"""

from sarschema.types.country import Country
from sarschema.types.language import Language
from sarschema.types.partial_date import Date, PartialDate
from sarschema.types.slug import Id
from sarschema.types.text import Text
from sarschema.types.url import Url

__all__ = ["Country", "Date", "Id", "Language", "PartialDate", "Text", "Url"]
