"""Expressions in SQL syntax, parsed by polars into polars expressions.

Nothing is ever evaluated as Python: `pl.sql_expr` parses the text. When it
refuses, polars does not always say where; `locate` then runs a small
recursive-descent checker over the same grammar to find the first token
that cannot follow, so the user gets a 1-based position.
"""

from __future__ import annotations

import re

import polars as pl

from tcloud.runtime.errors import ExpressionError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<badstring>'(?:[^']|'')*$)
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|<>|!=|==|\|\||::|[-+*/%<>=(),.\[\]])
    """,
    re.X,
)
_COMPARE = {"=", "==", "!=", "<>", "<", "<=", ">", ">="}
_KEYWORDS = {
    "and", "or", "not", "is", "null", "in", "between", "like", "ilike",
    "case", "when", "then", "else", "end", "cast", "as", "true", "false",
    "distinct", "interval", "date", "timestamp", "select", "from", "where",
}  # fmt: skip
_MISSING = re.compile(r'unable to find column "([^"]+)"')
_COLUMN = re.compile(r"Column: (\d+)")


def parse(
    text: str,
    schema: pl.Schema | dict[str, pl.DataType] | None = None,
    *,
    node_id: str | None = None,
    field: str | None = None,
) -> pl.Expr:
    """Parse an SQL expression, checked against `schema` when given."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(node_id, field, "empty expression", position=1)
    for kind, value, position in tokens(text):
        if kind == "name" and value.lower() == "select":
            raise ExpressionError(
                node_id, field, "subqueries are not supported",
                position=position, expression=text,
            )  # fmt: skip
    try:
        expr = pl.sql_expr(text)
    except pl.exceptions.PolarsError as exc:
        raise _refusal(text, str(exc), node_id, field) from exc
    if schema is not None:
        output_type(expr, schema, text, node_id=node_id, field=field)
    return expr


def output_type(
    expr: pl.Expr,
    schema: pl.Schema | dict[str, pl.DataType],
    text: str = "",
    *,
    node_id: str | None = None,
    field: str | None = None,
) -> pl.DataType:
    """Return the type an expression yields on `schema`, or explain why not."""
    try:
        out = pl.LazyFrame(schema=schema).select(expr.alias("out"))
        return out.collect_schema()["out"]
    except pl.exceptions.ColumnNotFoundError as exc:
        found = _MISSING.search(str(exc))
        name = found.group(1) if found else "?"
        raise ExpressionError(
            node_id, field, f"unknown field {name!r}",
            position=_find_name(text, name), expression=text,
        ) from exc  # fmt: skip
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ExpressionError(
            node_id, field, f"invalid expression: {first}", expression=text
        ) from exc


def tokens(text: str) -> list[tuple[str, str, int]]:
    """Split text into (kind, value, 1-based position) tokens."""
    out = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            out.append(("bad", text[at], at + 1))
            break
        kind = match.lastgroup or "bad"
        if kind != "space":
            out.append((kind, match.group(), at + 1))
        at = match.end()
    return out


def locate(text: str) -> int | None:
    """Return the 1-based position of the first syntax fault, if found."""
    checker = _Checker(text)
    try:
        checker.expression()
        checker.expect_end()
    except _Fault as fault:
        return fault.position
    return None


def _refusal(
    text: str, message: str, node_id: str | None, field: str | None
) -> ExpressionError:
    """Explain why polars refused an expression, with a position if we can."""
    position = locate(text)
    if position is not None:
        reason = (
            "the expression ends too early"
            if position > len(text)
            else f"unexpected {text[position - 1 :][:12]!r}"
        )
    else:
        # The syntax is fine; polars refused a name (an unknown function...).
        reason = message.strip().splitlines()[0] if message.strip() else "invalid"
        position = _column_of(message) or _quoted_in(text, reason)
    return ExpressionError(node_id, field, reason, position=position, expression=text)


def _quoted_in(text: str, message: str) -> int | None:
    """Find in the text what a message quotes ('foo', `upper(b, 3)`)."""
    for quoted in re.findall(r"'([^']+)'|`([^`]+)`", message):
        fragment = next(q for q in quoted if q)
        at = text.lower().find(fragment.lower())
        if at >= 0:
            return at + 1
    return None


def _column_of(message: str) -> int | None:
    found = _COLUMN.search(message)
    return int(found.group(1)) if found else None


def _find_name(text: str, name: str) -> int | None:
    for kind, value, position in tokens(text):
        if kind in ("name", "quoted") and value.strip('"') == name:
            return position
    return None


class _Fault(Exception):
    def __init__(self, position: int) -> None:
        self.position = position


class _Checker:
    """A permissive recursive-descent reader of SQL expressions."""

    def __init__(self, text: str) -> None:
        self.tokens = tokens(text)
        self.end = len(text) + 1
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        if self.at < len(self.tokens):
            return self.tokens[self.at]
        return ("end", "", self.end)

    def word(self) -> str:
        kind, value, _ = self.peek()
        return value.lower() if kind in ("name", "op") else ""

    def take(self, *words: str) -> bool:
        if self.word() in words:
            self.at += 1
            return True
        return False

    def need(self, *words: str) -> None:
        if not self.take(*words):
            self.fail()

    def fail(self) -> None:
        kind, _, position = self.peek()
        raise _Fault(position)

    def expect_end(self) -> None:
        if self.at < len(self.tokens):
            self.fail()

    def expression(self) -> None:
        self.conjunction()
        while self.take("or"):
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.take("and"):
            self.negation()

    def negation(self) -> None:
        if self.take("not"):
            self.negation()
            return
        self.comparison()

    def comparison(self) -> None:
        self.additive()
        while True:
            if self.take(*_COMPARE):
                self.additive()
            elif self.take("is"):
                self.take("not")
                self.need("null", "true", "false")
            elif self.word() in ("not", "in", "between", "like", "ilike"):
                self.take("not")
                self.predicate()
            else:
                return

    def predicate(self) -> None:
        if self.take("in"):
            self.need("(")
            self.expression()
            while self.take(","):
                self.expression()
            self.need(")")
        elif self.take("between"):
            self.additive()
            self.need("and")
            self.additive()
        elif self.take("like", "ilike"):
            self.additive()
        else:
            self.fail()

    def additive(self) -> None:
        self.term()
        while self.take("+", "-", "||"):
            self.term()

    def term(self) -> None:
        self.unary()
        while self.take("*", "/", "%"):
            self.unary()

    def unary(self) -> None:
        if self.take("-", "+"):
            self.unary()
            return
        self.primary()
        while self.take("::"):
            self.type_name()

    def primary(self) -> None:
        kind, value, _ = self.peek()
        low = value.lower()
        if kind in ("number", "string", "quoted"):
            self.at += 1
        elif kind == "badstring":
            self.fail()
        elif low == "(":
            self.at += 1
            self.expression()
            self.need(")")
        elif low == "case":
            self.case()
        elif low == "cast":
            self.at += 1
            self.need("(")
            self.expression()
            self.need("as")
            self.type_name()
            self.need(")")
        elif low in ("interval", "date", "timestamp") and self._next_is_string():
            self.at += 2
        elif kind == "name" and (low not in _KEYWORDS or low in _LITERALS):
            self.at += 1
            if self.word() == "(":
                self.call()
        else:
            self.fail()

    def _next_is_string(self) -> bool:
        nxt = self.tokens[self.at + 1] if self.at + 1 < len(self.tokens) else None
        return nxt is not None and nxt[0] == "string"

    def call(self) -> None:
        self.need("(")
        if self.take(")"):
            return
        self.take("distinct")
        if not self.take("*"):
            self.expression()
        while self.take(","):
            self.expression()
        self.need(")")

    def case(self) -> None:
        self.need("case")
        if self.word() != "when":
            self.expression()
        self.need("when")
        self.expression()
        self.need("then")
        self.expression()
        while self.take("when"):
            self.expression()
            self.need("then")
            self.expression()
        if self.take("else"):
            self.expression()
        self.need("end")

    def type_name(self) -> None:
        kind, _, _ = self.peek()
        if kind != "name":
            self.fail()
        self.at += 1
        while self.peek()[0] == "name":
            self.at += 1
        if self.take("("):
            self.additive()
            while self.take(","):
                self.additive()
            self.need(")")


_LITERALS = {"null", "true", "false", "date", "timestamp"}
