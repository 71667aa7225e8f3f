"""Unit fields Vitam indexes as analysed text, and the terms its Elasticsearch analyser makes of them.

Vitam's unit mapping (resources/dsl/unit-es-mapping.json) types the SEDA fields it knows; any other field
(extended metadata) falls in its `all_string` dynamic template: analysed `text`. A `$range` (Vitam's
QueryToElasticsearch.rangeCommand → Elasticsearch range query) on a text field compares its bounds,
unanalysed and written as Java prints them, with the *terms* the index holds, not with the value: so a
full date "2016-05-31T18:17:53" never matches itself, while "2016" matches the range 2015..2017.

The terms follow the index's `default` analyser (common-database-private elasticsearch-configuration.json):
'.' and '_' replaced by spaces, standard tokenizer, French stop words, ASCII folding, lower case, French
snowball stemming, word delimiter (split at letter/digit changes and at punctuation inside a token).
Lucene's light French stemmer that follows is left out (see docs/vitam.md §5.1).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import snowballstemmer

MAPPING_FILE = Path(__file__).resolve().parent.parent / "resources" / "dsl" / "unit-es-mapping.json"

# Lucene's French stop word list (FrenchAnalyzer / Elasticsearch `_french_`), which the index's analyser drops.
FRENCH_STOP_WORDS = frozenset(
    "au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même mes moi mon ne nos "
    "notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d "
    "j l à m n s t y été étée étées étés étant suis es est sommes êtes sont serai seras sera serons serez "
    "seront serais serait serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent "
    "sois soit soyons soyez soient fusse fusses fût fussions fussiez fussent ayant eu eue eues eus ai as avons "
    "avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions "
    "aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez "
    "eussent ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi".split()
)
_STANDARD_TOKEN = re.compile(r"[^\W_]+(?:[.,:'’][^\W_]+)*")
_WORD_PARTS = re.compile(r"[^\W\d_]+|\d+")
_HTML_TAG = re.compile(r"<[^>]*>")


@functools.cache
def _mapped_types() -> dict[str, str | None]:
    """Each dotted path of the mapping's properties → its Elasticsearch type ("text", "date", "keyword"...)."""
    mapping = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    types = {}

    def walk(properties: dict, prefix: str) -> None:
        for name, spec in properties.items():
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")
            else:
                types[prefix + name] = spec.get("type")

    walk(mapping["properties"], "")
    return types


@functools.lru_cache(maxsize=1024)
def is_analysed_unit_field(field: str) -> bool:
    """Is this unit field (external name) indexed as analysed text by Vitam?

    Fields of the mapping keep their type (dates, keywords, numbers); vitam-lite's internal `#` fields
    map to Vitam's typed `_` fields; everything else is dynamic text."""
    if field.startswith("#"):
        return False
    types = _mapped_types()
    if field in types:
        return types[field] == "text"
    # Language variants (Title_.fr) are text; an object holding mapped fields is not a leaf.
    return not any(path.startswith(field + ".") for path in types)


@functools.cache
def _french_stemmer():
    return snowballstemmer.stemmer("french")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def index_terms(value) -> list[str]:
    """The terms Vitam's default analyser indexes for one value of a text field."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return []
    text = _HTML_TAG.sub(" ", value).replace(".", " ").replace("_", " ")
    terms = []
    for token in _STANDARD_TOKEN.findall(text):
        if token.lower() in FRENCH_STOP_WORDS:
            continue
        stemmed = _french_stemmer().stemWord(_fold(token))
        terms.extend(_WORD_PARTS.findall(stemmed))
    return terms


def java_text(bound) -> str:
    """A range bound as Elasticsearch turns it into a term: the Java toString of the parsed JSON value."""
    if isinstance(bound, bool):
        return "true" if bound else "false"
    if isinstance(bound, float) and bound and not 1e-3 <= abs(bound) < 1e7:
        # Java's Double.toString switches to computerised scientific notation outside [10^-3, 10^7).
        number = Decimal(repr(bound))
        digits = "".join(map(str, number.normalize().as_tuple().digits))
        return f"{'-' if bound < 0 else ''}{digits[0]}.{digits[1:] or '0'}E{number.adjusted()}"
    return repr(bound) if isinstance(bound, float) else str(bound)


def term_in_range(terms: list[str], bounds: dict) -> bool:
    """Does one indexed term lie within all the bounds (compared as UTF-8 byte strings, as Lucene does)?"""
    limits = [(operator, java_text(bound).encode()) for operator, bound in bounds.items()]
    for term in terms:
        encoded = term.encode()
        if all(_RANGE_OK[operator](encoded, limit) for operator, limit in limits):
            return True
    return False


_RANGE_OK = {
    "$lt": lambda term, limit: term < limit,
    "$lte": lambda term, limit: term <= limit,
    "$gt": lambda term, limit: term > limit,
    "$gte": lambda term, limit: term >= limit,
}
