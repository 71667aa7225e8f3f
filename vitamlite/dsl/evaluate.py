"""Vitam DSL query semantics evaluated in Python on JSON documents.

This is the reference semantics: `search_documents` uses it directly for small collections, and the
SQL compiler falls back on it (as an SQLite function) for fields that have no indexed column, so both
evaluators agree by construction on those fields; the tests check they agree on the others too.

Rules (modelled on how Vitam's Elasticsearch mapping behaves):
- a path `a.b.c` reaches every value under arrays (`#management.AppraisalRule.Rules.Rule`);
- comparisons are made with any one of the values; dates are compared as dates (a date-only value is
  midnight), numbers as numbers (a numeric string against a number is converted, like ES does);
- `$ne`/`$nin` match documents without the field; `$not: [A, B]` matches when none of A, B match;
- full-text operators analyse text like the FTS index: accents and case removed, split on anything
  that is not a letter or a digit.
"""

from __future__ import annotations

import functools
import re

from vitamlite.units_store import analyze, normalize_date

from .analysis import index_terms, term_in_range

FULL_TEXT_OPERATORS = ("$match", "$match_all", "$match_phrase", "$match_phrase_prefix", "$search")
COMPARISONS = ("$lt", "$lte", "$gt", "$gte")
GRAPH_KEYS = ("$depth", "$exactdepth")

def tokens(text, *, stem: bool = True) -> list[str]:
    """Analyse text exactly as the FTS index content is analysed (units_store.analyze)."""
    return analyze(text, stem=stem)


def split_path(field: str) -> list[str]:
    return field.split(".")


def values_at(doc, field: str) -> list:
    """Every scalar (or object) value found at a dotted path, arrays flattened."""
    current = [doc]
    for part in split_path(field):
        following = []
        for node in current:
            if isinstance(node, dict) and part in node:
                value = node[part]
                if isinstance(value, list):
                    following.extend(value)
                else:
                    following.append(value)
            elif isinstance(node, list):
                for item in node:
                    if isinstance(item, dict) and part in item:
                        value = item[part]
                        following.extend(value if isinstance(value, list) else [value])
        current = following
    flat = []
    for value in current:
        if isinstance(value, list):
            flat.extend(value)
        elif value is not None:
            flat.append(value)
    return flat


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_number(value):
    if _is_number(value):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return None
    return None


def compare(stored, wanted) -> int | None:
    """-1/0/1 comparing a stored value with a query value, None when they cannot be compared."""
    if isinstance(stored, bool) or isinstance(wanted, bool):
        if isinstance(stored, bool) and isinstance(wanted, bool):
            return (stored > wanted) - (stored < wanted)
        if isinstance(stored, bool) and isinstance(wanted, str) and wanted.lower() in ("true", "false"):
            other = wanted.lower() == "true"
            return (stored > other) - (stored < other)
        return None
    if _is_number(stored) or _is_number(wanted):
        left, right = _as_number(stored), _as_number(wanted)
        if left is None or right is None:
            return None
        return (left > right) - (left < right)
    if isinstance(stored, str) and isinstance(wanted, str):
        left_date, right_date = normalize_date(stored), normalize_date(wanted)
        if left_date is not None and right_date is not None:
            stored, wanted = left_date, right_date
        return (stored > wanted) - (stored < wanted)
    return None


def _equal(stored, wanted) -> bool:
    return compare(stored, wanted) == 0


_COMPARE_OK = {
    "$lt": lambda c: c < 0,
    "$lte": lambda c: c <= 0,
    "$gt": lambda c: c > 0,
    "$gte": lambda c: c >= 0,
}


def _single(arg: dict):
    """The (field, value) pair of a one-key operator argument."""
    ((field, value),) = arg.items()
    return field, value


@functools.lru_cache(maxsize=512)
def wildcard_regex(pattern: str) -> re.Pattern:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


@functools.lru_cache(maxsize=512)
def compiled_regex(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return re.compile(re.escape(pattern))


# -- full text ---------------------------------------------------------------------------------


def phrase_in(haystack: list[str], needle: list[str], *, prefix_last: bool = False) -> bool:
    if not needle:
        return False
    size = len(needle)
    for start in range(len(haystack) - size + 1):
        window = haystack[start : start + size]
        if prefix_last:
            if window[:-1] == needle[:-1] and window[-1].startswith(needle[-1]):
                return True
        elif window == needle:
            return True
    return False


def parse_search(text: str):
    """Parse Elasticsearch's simple query string into a tree of ("and"|"or", left, right), ("not", x),
    ("term", [tokens], prefix) and ("phrase", [tokens]). Default operator OR; `~N` fuzziness ignored."""
    items = re.findall(r'[+|\-]|"[^"]*"(?:~\d+)?|\(|\)|[^\s+|()"]+', text)
    position = 0

    def parse_expression():
        nonlocal position
        node = parse_unary()
        while position < len(items) and items[position] != ")":
            operator = "or"
            if items[position] == "+":
                operator = "and"
                position += 1
            elif items[position] == "|":
                position += 1
            if position >= len(items) or items[position] == ")":
                break
            right = parse_unary()
            if right is None:
                continue
            node = right if node is None else (operator, node, right)
        return node

    def parse_unary():
        nonlocal position
        if position >= len(items):
            return None
        item = items[position]
        if item == "-":
            position += 1
            inner = parse_unary()
            return None if inner is None else ("not", inner)
        if item in ("+", "|"):
            position += 1
            return parse_unary()
        if item == "(":
            position += 1
            inner = parse_expression()
            if position < len(items) and items[position] == ")":
                position += 1
            return inner
        position += 1
        if item.startswith('"'):
            words = tokens(item.rsplit('"', 1)[0][1:])
            return ("phrase", words) if words else None
        word = re.sub(r"~\d*$", "", item)
        prefix = word.endswith("*")
        words = tokens(word.rstrip("*"), stem=not prefix)
        if not words:
            return None
        if len(words) > 1:
            return ("phrase", words) if not prefix else ("prefix_phrase", words)
        return ("term", words, prefix)

    tree = parse_expression()
    # Stray closing parentheses: parse what follows as more OR clauses.
    while position < len(items):
        position += 1
        rest = parse_expression()
        if rest is not None:
            tree = rest if tree is None else ("or", tree, rest)
    return tree


def search_tree_matches(tree, words: list[str]) -> bool:
    kind = tree[0]
    if kind == "and":
        return search_tree_matches(tree[1], words) and search_tree_matches(tree[2], words)
    if kind == "or":
        return search_tree_matches(tree[1], words) or search_tree_matches(tree[2], words)
    if kind == "not":
        return not search_tree_matches(tree[1], words)
    if kind == "phrase":
        return phrase_in(words, tree[1])
    if kind == "prefix_phrase":
        return phrase_in(words, tree[1], prefix_last=True)
    word, prefix = tree[1][0], tree[2]
    return any(w.startswith(word) for w in words) if prefix else word in words


def full_text_matches(operator: str, text_values: list, query_text: str) -> bool:
    query_words = tokens(query_text)
    texts = [tokens(value) for value in text_values if isinstance(value, str)]
    if operator == "$search":
        tree = parse_search(query_text)
        return tree is not None and any(search_tree_matches(tree, words) for words in texts)
    if not query_words:
        return False
    if operator == "$match":
        wanted = set(query_words)
        return any(wanted & set(words) for words in texts)
    if operator == "$match_all":
        wanted = set(query_words)
        return any(wanted <= set(words) for words in texts)
    if operator == "$match_phrase":
        return any(phrase_in(words, query_words) for words in texts)
    if operator == "$match_phrase_prefix":
        return any(phrase_in(words, query_words, prefix_last=True) for words in texts)
    raise ValueError(f"not a full-text operator: {operator}")


# -- query evaluation --------------------------------------------------------------------------


def operator_of(query: dict) -> tuple[str, object]:
    """The operator key and argument of a query object (graph keys such as $depth are skipped)."""
    for key, value in query.items():
        if key not in GRAPH_KEYS:
            return key, value
    return "", None


def _scoped(path: str, item: dict) -> dict:
    """A document holding only `item` at `path`, for full paths to reach that one array element."""
    for part in reversed(split_path(path)):
        item = {part: item}
    return item


def matches(doc: dict, query: dict, *, analysed_field=None) -> bool:
    """Does the document satisfy the query (one operator object, `{}` meaning everything)?

    `analysed_field(field)` tells which fields the collection indexes as analysed text (units only,
    analysis.is_analysed_unit_field): a `$range` or `$lt`... on them compares indexed terms, as Elasticsearch does."""
    operator, arg = operator_of(query)
    if not operator:
        return True
    if operator == "$and":
        return all(matches(doc, sub, analysed_field=analysed_field) for sub in arg)
    if operator == "$or":
        return any(matches(doc, sub, analysed_field=analysed_field) for sub in arg)
    if operator == "$not":
        return not any(matches(doc, sub, analysed_field=analysed_field) for sub in arg)
    if operator in ("$exists", "$missing"):
        present = bool(values_at(doc, arg))
        return present if operator == "$exists" else not present
    if operator == "$subobject":
        # An Elasticsearch nested query, as Vitam builds it: the inner fields are full paths
        # ("#qualifiers.versions.Size"), all matched by the same element of the array.
        field, sub = _single(arg)
        return any(isinstance(item, dict) and matches(_scoped(field, item), sub, analysed_field=analysed_field)
                   for item in values_at(doc, field))
    field, value = _single(arg)
    found = values_at(doc, field)
    if operator == "$eq":
        return any(_equal(item, value) for item in found)
    if operator == "$ne":
        return not any(_equal(item, value) for item in found)
    if operator in COMPARISONS and analysed_field is not None and analysed_field(field):
        # QueryToElasticsearch.compareCommand sends $lt... to the same range query as $range.
        return term_in_range([term for item in found for term in index_terms(item)], {operator: value})
    if operator in COMPARISONS:
        ok = _COMPARE_OK[operator]
        return any((c := compare(item, value)) is not None and ok(c) for item in found)
    if operator == "$range":
        if analysed_field is not None and analysed_field(field):
            return term_in_range([term for item in found for term in index_terms(item)], value)
        bounds = list(value.items())
        for item in found:
            results = [compare(item, bound) for _, bound in bounds]
            if all(c is not None and _COMPARE_OK[op](c) for (op, _), c in zip(bounds, results)):
                return True
        return False
    if operator == "$in":
        return any(_equal(item, wanted) for item in found for wanted in value)
    if operator == "$nin":
        return not any(_equal(item, wanted) for item in found for wanted in value)
    if operator == "$wildcard":
        pattern = wildcard_regex(value)
        return any(isinstance(item, str) and pattern.fullmatch(item) for item in found)
    if operator == "$regex":
        pattern = compiled_regex(value)
        return any(isinstance(item, str) and pattern.fullmatch(item) for item in found)
    if operator in FULL_TEXT_OPERATORS:
        return full_text_matches(operator, found, value)
    raise ValueError(f"unsupported DSL operator {operator}")
