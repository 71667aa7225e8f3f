"""Interpreter for Vitam's "DSL Schema" language (the *-dsl-schema.json files of common-dsl-schema).

The schema files are Vitam's own (copied to vitamlite/resources/dsl/). A schema maps type names to
formats: object, keychoice, anykey, array, enum, union, ref (to a named type or a primitive: guid,
integer, posinteger, string, anyvalue, anyarray, any) and the compact notation "TYPE" for a ref.
Semantics follow Vitam's validator engine: every format checks `min`/`max` on the size of JSON
arrays and objects, fields of an object not consumed by the schema are INVALID_JSON_FIELD, a union
lets all its member types consume the fields of one object, and errors are accumulated then
reported together in Vitam's wording ("Validating $query: ... ~ MANDATORY ~ ... ~ path: [...]").
"""

from __future__ import annotations

import abc
import json
import re
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "dsl"

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_GUID_RE = re.compile(r"^[a-z2-7]{36}$")
PRIMITIVES = {"guid", "integer", "posinteger", "string", "anyvalue", "anyarray", "any"}


def json_text(node) -> str:
    """Compact JSON as Jackson prints a node in error messages."""
    return json.dumps(node, ensure_ascii=False, separators=(",", ":"))


def json_type_name(node) -> str:
    """Jackson JsonNodeType names, used in WRONG_JSON_TYPE / INVALID_VALUE messages."""
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, float)):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    if isinstance(node, list):
        return "ARRAY"
    return "OBJECT"


def is_java_int(node) -> bool:
    return isinstance(node, int) and not isinstance(node, bool) and INT_MIN <= node <= INT_MAX


def json_equal(a, b) -> bool:
    """Equality of JSON nodes as Jackson sees it: 1, 1.0, true and "1" are four different values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return a == b


class Format(abc.ABC):
    def __init__(self, spec: dict):
        self.name: str | None = None
        self.optional = bool(spec.get("optional", False))
        self.hint = spec.get("hint")
        self.min = spec.get("min", self.default_min)
        self.max = spec.get("max", None)
        self.reporting_type: Format = self

    default_min = 0

    def resolve(self, schema: Schema) -> None:
        """Link references and give names to nested formats (after every root type is built)."""

    @abc.abstractmethod
    def validate(self, node, field_report, engine: _Engine) -> None:
        """Check node, report consumed object fields through field_report, errors through engine."""

    def debug_info(self) -> str:
        return ""


class ObjectFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.elements = {key: schema.build(value, name=key) for key, value in spec.get("elements", {}).items()}

    def resolve(self, schema):
        for fmt in self.elements.values():
            fmt.resolve(schema)

    def validate(self, node, field_report, engine):
        if not isinstance(node, dict):
            engine.report(self, node, "WRONG_JSON_TYPE", json_type_name(node))
            return
        for name, sub in self.elements.items():
            engine.path.append(name)
            if name not in node:
                if not sub.optional:
                    engine.report(sub, node, "MANDATORY", None)
            else:
                field_report(name)
                engine.validate(sub, node[name], None)
            engine.path.pop()

    def debug_info(self):
        return "{" + ", ".join(f"{key}: ..." for key in self.elements) + "}"


class KeyChoiceFormat(Format):
    default_min = 1  # as in Vitam: a key choice needs one key unless the schema says min 0

    def __init__(self, spec, schema):
        super().__init__(spec)
        self.choices = {key: schema.build(value, name=key) for key, value in spec.get("choices", {}).items()}

    def resolve(self, schema):
        for fmt in self.choices.values():
            fmt.resolve(schema)

    def validate(self, node, field_report, engine):
        if not isinstance(node, dict):
            engine.report(self, node, "WRONG_JSON_TYPE", json_type_name(node))
            return
        for name, sub in self.choices.items():
            if name not in node:
                continue
            value = node[name]
            if name == "$subobject" and isinstance(value, dict) and value:
                value = next(iter(value.values()))
            field_report(name)
            engine.path.append(name)
            engine.validate(sub, value, None)
            engine.path.pop()
            return  # only one choice is accepted; other keys stay unconsumed and are reported
        # No known key: the unconsumed fields (or the size check) report the error.

    def debug_info(self):
        return "{" + "}|{".join(f"{key}: ..." for key in self.choices) + "}"


class AnyKeyFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.itemtype = schema.build(spec["itemtype"], name=None)

    def resolve(self, schema):
        if self.itemtype.name is None:
            self.itemtype.name = self.name
        self.itemtype.resolve(schema)

    def validate(self, node, field_report, engine):
        if not isinstance(node, dict):
            engine.report(self, node, "WRONG_JSON_TYPE", json_type_name(node))
            return
        for key, value in node.items():
            field_report(key)
            engine.path.append(key)
            engine.validate(self.itemtype, value, None)
            engine.path.pop()

    def debug_info(self):
        return "{[any key]: " + self.itemtype.debug_info() + "}"


class ArrayFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.itemtype = schema.build(spec["itemtype"], name=None)

    def resolve(self, schema):
        if self.itemtype.name is None:
            self.itemtype.name = self.name
        self.itemtype.resolve(schema)

    def validate(self, node, field_report, engine):
        if not isinstance(node, list):
            engine.report(self, node, "WRONG_JSON_TYPE", json_type_name(node))
            return
        for index, item in enumerate(node):
            engine.path.append(index)
            engine.validate(self.itemtype, item, None)
            engine.path.pop()

    def debug_info(self):
        return "[" + self.itemtype.debug_info() + ", ...]"


class EnumFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.values = list(spec.get("values", []))

    def validate(self, node, field_report, engine):
        if not any(json_equal(node, value) for value in self.values):
            engine.report(self, node, "INVALID_VALUE", json_type_name(node))

    def debug_info(self):
        return " | ".join(json_text(value) for value in self.values)


class UnionFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.types = [schema.build(value, name=None) for value in spec.get("types", [])]

    def resolve(self, schema):
        for fmt in self.types:
            if fmt.name is None:
                fmt.name = self.name
            fmt.reporting_type = self
            fmt.resolve(schema)

    def validate(self, node, field_report, engine):
        # Each member validates the same node and consumes its own fields.
        for fmt in self.types:
            engine.validate(fmt, node, field_report)

    def debug_info(self):
        return " & ".join(fmt.debug_info() for fmt in self.types)


class ReferenceFormat(Format):
    def __init__(self, spec, schema):
        super().__init__(spec)
        self.type_name = spec["type"]
        self.referred: Format | None = None

    def resolve(self, schema):
        if self.type_name not in PRIMITIVES:
            self.referred = schema.types.get(self.type_name)
            if self.referred is None:
                raise ValueError(f"Type {self.type_name} invalid: not a primitive nor a composite type")

    def validate(self, node, field_report, engine):
        if self.referred is not None:
            engine.validate(self.referred, node, field_report)
            return
        kind = self.type_name
        if kind == "any":
            if isinstance(node, dict):
                for key in node:
                    field_report(key)
            return
        ok = {
            "guid": lambda: isinstance(node, str) and bool(_GUID_RE.match(node.lower())),
            "integer": lambda: is_java_int(node),
            "posinteger": lambda: is_java_int(node) and node >= 0,
            "string": lambda: isinstance(node, str),
            "anyvalue": lambda: not isinstance(node, (list, dict)),
            "anyarray": lambda: isinstance(node, list),
        }[kind]()
        if not ok:
            engine.report(self, node, "INVALID_VALUE", json_type_name(node))

    def debug_info(self):
        return self.referred.debug_info() if self.referred is not None else self.type_name


FORMATS = {
    "object": ObjectFormat,
    "keychoice": KeyChoiceFormat,
    "anykey": AnyKeyFormat,
    "array": ArrayFormat,
    "enum": EnumFormat,
    "union": UnionFormat,
    "ref": ReferenceFormat,
}


class Schema:
    """A loaded DSL schema: named root types, each a Format tree."""

    def __init__(self, definition: dict):
        self.types: dict[str, Format] = {}
        for name, spec in definition.items():
            self.types[name] = self.build(spec, name=name)
        for fmt in self.types.values():
            fmt.resolve(self)

    @classmethod
    def load(cls, filename: str) -> Schema:
        with open(RESOURCES / filename, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def build(self, spec, *, name: str | None) -> Format:
        if isinstance(spec, str):  # compact notation: a mandatory reference without hint
            spec = {"format": "ref", "type": spec}
        try:
            fmt_class = FORMATS[spec["format"]]
        except KeyError:
            raise ValueError(f"unknown DSL schema format in {spec!r}") from None
        fmt = fmt_class(spec, self)
        fmt.name = name
        return fmt

    def validate(self, document, root: str = "DSL") -> list[str]:
        """Return Vitam-style error lines; an empty list means the document is valid."""
        engine = _Engine()
        engine.validate(self.types[root], document, None)
        return engine.errors


class _Engine:
    def __init__(self):
        self.errors: list[str] = []
        self.path: list = []

    def validate(self, fmt: Format, node, field_report) -> None:
        fields: set | None = None
        if field_report is None:
            fields = set(node) if isinstance(node, dict) else set()
            field_report = fields.discard
        if isinstance(node, (list, dict)):
            size = len(node)
            if size < fmt.min:
                self.report(fmt, node, "ELEMENT_TOO_SHORT", f"{size} < {fmt.min}")
            if fmt.max is not None and size > fmt.max:
                self.report(fmt, node, "ELEMENT_TOO_LONG", f"{size} > {fmt.max}")
        fmt.validate(node, field_report, self)
        if fields:
            for field in sorted(fields):
                self.report(fmt, node.get(field), "INVALID_JSON_FIELD", field)

    def report(self, fmt: Format, node, code: str, message: str | None) -> None:
        name = fmt.name or ""
        if name.isupper() and self.path:
            # A root type used through a reference: name it by where it is used.
            name = str(self.path[-1])
        text = f"Validating {name}: {fmt.reporting_type.debug_info()} ~ {code}"
        if message is not None:
            text += f": {message}"
        if fmt.hint:
            text += f" ~ hint: {fmt.hint}"
        path = ", ".join(str(part) for part in self.path)
        text += f" ~ found json: {json_text(node)} ~ path: [{path}]"
        self.errors.append(text)
