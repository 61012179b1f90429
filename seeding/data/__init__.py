"""Word lists of the seeded rows: Spanish names, procedures, streets, catalog."""

from seeding.data.catalog import CATEGORIES, PRODUCT_NOUNS, PRODUCT_QUALIFIERS
from seeding.data.names import FIRST_NAMES, SURNAMES
from seeding.data.office import DOCUMENTOS, TRAMITES
from seeding.data.places import CITIES, STREETS

__all__ = [
    "CATEGORIES",
    "CITIES",
    "DOCUMENTOS",
    "FIRST_NAMES",
    "PRODUCT_NOUNS",
    "PRODUCT_QUALIFIERS",
    "STREETS",
    "SURNAMES",
    "TRAMITES",
]
