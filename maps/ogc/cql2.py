"""CQL2 text (Basic CQL2 and S_INTERSECTS) compiled to a SQLAlchemy condition, never run in Python.

`pygeofilter` parses; this module walks its tree against a collection's
queryables: a property not in the whitelist, a value of the wrong type or an
operator outside the Basic level is a 400. Values are bound parameters, so no
text of the filter reaches the SQL. `status` is derived, not stored: its
predicate is decided over the seven status names and becomes "the parcel is
one of those with such a status" (`status_ids`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parse

from geo.dialects import select_dialect
from maps.ogc.collections import GEOMETRY, STATUS, Collection
from maps.ogc.crs import BadRequest, Crs, box_to_storage, shape_to_storage

MAX_FILTER = 4_000  # characters; a longer filter is refused before parsing
_COMPARE = {
    ast.Equal: "__eq__", ast.NotEqual: "__ne__", ast.LessThan: "__lt__", ast.LessEqual: "__le__",
    ast.GreaterThan: "__gt__", ast.GreaterEqual: "__ge__",
}
_PYTHON_TYPES = {"string": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,),
                 "datetime": (datetime, date, str)}


def _bad(message: str) -> BadRequest:
    return BadRequest(f"filter: {message}", field="filter", code="filter")


@dataclass
class Compiler:
    """Compiles one filter for one collection on one backend."""

    collection: Collection
    dialect: str
    filter_crs: Crs
    status_ids: Callable[[Sequence[str]], Any] | None = None  # statuses -> SQL condition on parcels
    _boxes: int = field(default=0)

    def compile(self, text: str) -> sa.ColumnElement[bool]:
        """The SQL condition of a CQL2 text filter."""
        if len(text) > MAX_FILTER:
            raise _bad(f"longer than {MAX_FILTER} characters")
        try:
            tree = parse(text)
        except Exception as err:  # lark's errors, pygeofilter's own, a bad WKT: all bad filters
            raise _bad(f"not valid CQL2 text ({type(err).__name__})") from None
        return self._node(tree)

    def _node(self, node: Any) -> sa.ColumnElement[bool]:
        if isinstance(node, ast.And):
            return sa.and_(self._node(node.lhs), self._node(node.rhs))
        if isinstance(node, ast.Or):
            return sa.or_(self._node(node.lhs), self._node(node.rhs))
        if isinstance(node, ast.Not):
            return sa.not_(self._node(node.sub_node))
        if isinstance(node, ast.Include):  # INCLUDE / EXCLUDE
            return sa.false() if node.not_ else sa.true()
        if isinstance(node, ast.Attribute | bool):
            return self._operand(node, "boolean") == sa.true()
        if isinstance(node, ast.GeometryIntersects):
            return self._intersects(node)
        name = self._status_name(node)
        if name is not None:
            return self._status(node)
        if isinstance(node, ast.Comparison) and type(node) in _COMPARE:
            if not isinstance(node.lhs, ast.Attribute) and not isinstance(node.rhs, ast.Attribute):
                raise _bad("a comparison needs a property on one side")
            kind = self._type_of(node.lhs) or self._type_of(node.rhs) or "string"
            lhs, rhs = self._operand(node.lhs, kind), self._operand(node.rhs, kind)
            return getattr(lhs, _COMPARE[type(node)])(rhs)
        if isinstance(node, ast.Like):
            column = self._operand(node.lhs, "string")
            pattern = self._literal(node.pattern, "string")
            _like_regex(pattern)  # refuses a pattern the database would refuse
            like = column.like(pattern, escape="\\")
            return sa.not_(like) if node.not_ else like
        if isinstance(node, ast.In):
            kind = self._type_of(node.lhs) or "string"
            column = self._operand(node.lhs, kind)
            found = column.in_([self._literal(v, kind) for v in node.sub_nodes])
            return sa.not_(found) if node.not_ else found
        if isinstance(node, ast.IsNull):
            column = self._operand(node.lhs, self._type_of(node.lhs) or "string")
            return column.is_not(None) if node.not_ else column.is_(None)
        if isinstance(node, ast.Between):
            kind = self._type_of(node.lhs) or "number"
            between = self._operand(node.lhs, kind).between(self._literal(node.low, kind),
                                                             self._literal(node.high, kind))
            return sa.not_(between) if node.not_ else between
        raise _bad(f"{type(node).__name__} is not supported at the Basic CQL2 level")

    # --- operands -------------------------------------------------------------------------------

    def _queryable(self, name: str) -> Any:
        found = self.collection.queryables.get(name)
        if found is None or found.column is None:
            known = ", ".join(n for n in self.collection.queryables)
            raise _bad(f"unknown property {name[:80]!r}; queryables: {known}")
        return found

    def _type_of(self, node: Any) -> str | None:
        return self._queryable(node.name).type if isinstance(node, ast.Attribute) else None

    def _operand(self, node: Any, kind: str) -> Any:
        if isinstance(node, ast.Attribute):
            queryable = self._queryable(node.name)
            if queryable.type != kind and {queryable.type, kind} != {"number", "integer"}:
                raise _bad(f"{node.name} is a {queryable.type}, compared with a {kind}")
            return queryable.column
        return sa.literal(self._literal(node, kind))

    def _literal(self, value: Any, kind: str) -> Any:
        if isinstance(value, ast.Node | values.Geometry | values.Envelope | list):
            raise _bad(f"expected a {kind} value, got {type(value).__name__}")
        is_bool = isinstance(value, bool)
        if not isinstance(value, _PYTHON_TYPES[kind]) or (is_bool and kind != "boolean"):
            raise _bad(f"expected a {kind} value, got {value!r:.80}")
        if (isinstance(value, str) and "\x00" in value) or (isinstance(value, int) and abs(value) >= 2**62):
            raise _bad("a value out of range")  # the database would refuse it
        if kind == "datetime" and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise _bad(f"{value[:40]!r} is not a date or time") from None
        if isinstance(value, datetime) and value.tzinfo is None:
            raise _bad("a timestamp needs its time zone (…Z or +08:00)")
        return value

    # --- status, derived --------------------------------------------------------------------------

    def _status_name(self, node: Any) -> str | None:
        lhs = getattr(node, "lhs", None)
        if isinstance(lhs, ast.Attribute) and lhs.name == STATUS and self.collection.kind is not None:
            return STATUS
        return None

    def _status(self, node: Any) -> sa.ColumnElement[bool]:
        """A predicate on status, decided for each status name, then as a set of parcels."""
        names = self.collection.queryables[STATUS].values
        if isinstance(node, ast.IsNull):
            matched = list(names) if node.not_ else []
        elif isinstance(node, ast.In):
            wanted = {self._literal(v, "string") for v in node.sub_nodes}
            matched = [n for n in names if (n in wanted) != node.not_]
        elif isinstance(node, ast.Like):
            pattern = _like_regex(self._literal(node.pattern, "string"))
            matched = [n for n in names if bool(pattern.fullmatch(n)) != node.not_]
        elif type(node) in _COMPARE and not isinstance(node.rhs, ast.Attribute):
            value = self._literal(node.rhs, "string")
            matched = [n for n in names if getattr(n, _COMPARE[type(node)])(value)]
        else:
            raise _bad("status can be compared with a text value, IN, LIKE or IS NULL")
        if self.status_ids is None:
            raise _bad("status is not a queryable of this collection")
        return self.status_ids(matched)

    # --- space ----------------------------------------------------------------------------------

    def _intersects(self, node: ast.GeometryIntersects) -> sa.ColumnElement[bool]:
        if not (isinstance(node.lhs, ast.Attribute) and node.lhs.name == GEOMETRY):
            raise _bad(f"S_INTERSECTS takes the property {GEOMETRY!r} first")
        if self.collection.geometry is None:
            raise _bad(f"{self.collection.id} has no geometry")
        shape = self._shape(node.rhs)
        return self._within_box(shapely.box(*box_to_storage(shape.bounds, self.filter_crs)), shape)

    def _shape(self, value: Any) -> shapely.Geometry:
        try:
            if isinstance(value, ast.Function) and value.name.lower() == "bbox":
                return shapely.box(*[float(self._literal(a, "number")) for a in value.arguments][:4])
            if isinstance(value, values.Envelope):
                return shapely.box(value.x1, value.y1, value.x2, value.y2)
            if isinstance(value, values.Geometry):
                shape = shapely.geometry.shape(value.geometry)
                if shape.is_valid and not shape.is_empty:
                    return shape
        except (TypeError, ValueError, shapely.errors.ShapelyError):
            pass
        raise _bad("S_INTERSECTS needs a valid BBOX(...) or WKT geometry")

    def _within_box(self, box: shapely.Geometry, shape: shapely.Geometry) -> sa.ColumnElement[bool]:
        """The collection's geometry meets `shape` (given in the filter CRS), through the index."""
        minx, miny, maxx, maxy = box.bounds
        column = self.collection.geometry
        if shape.geom_type != "Polygon" or not shape.equals(shapely.box(*shape.bounds)):
            stored = shape_to_storage(shape, self.filter_crs)
            exact = sa.func.ST_Intersects(column, sa.func.ST_GeomFromText(stored.wkt, 4490))
        else:
            exact = sa.true()
        if self.collection.spatial_index is None:
            envelope = sa.func.ST_GeomFromText(shapely.box(minx, miny, maxx, maxy).wkt, 4490)
            return sa.and_(sa.func.ST_Intersects(column, envelope), exact)
        return sa.and_(box_condition(self.collection.spatial_index, self.dialect,
                                     (minx, miny, maxx, maxy), self._next_box()), exact)

    def _next_box(self) -> int:
        self._boxes += 1
        return self._boxes


def box_condition(table: str, dialect: str, box: tuple[float, float, float, float],
                  number: int = 0) -> sa.TextClause:
    """The dialect's indexed box test on `table.geom`, its parameters named apart by `number`."""
    sql = select_dialect(dialect).intersects_bbox(table, "geom", "id")
    names = ("minx", "miny", "maxx", "maxy")
    for name in names:
        sql = sql.replace(f":{name}", f":{name}_{number}")
    return sa.text(sql).bindparams(**{f"{n}_{number}": float(v) for n, v in zip(names, box, strict=True)})


def _like_regex(pattern: str) -> re.Pattern[str]:
    """A CQL2 LIKE pattern (% any run, _ one character, \\ escapes) as a regular expression."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append({"%": ".*", "_": "."}.get(char, re.escape(char)))
    if escaped:
        raise _bad("a LIKE pattern cannot end with the escape character \\")
    return re.compile("".join(out), re.DOTALL)
