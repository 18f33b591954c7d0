"""Evaluation, forward tangent and reverse adjoint traces: the tables teachers draw on the board.

For a function of a few numbers, as Baydin et al. (JMLR 2018, tables 2 and 3) write them:

* the evaluation trace: the inputs v₋₁, v₀ ... then vᵢ = op(...) for every operation, in an
  order where each node comes after its operands (nodes at the same depth side by side);
* the forward tangent trace for one input direction: v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ with the rule
  and the numbers, from :mod:`autograd_lite.forward`;
* the reverse adjoint trace: v̄ⱼ += v̄ᵢ · ∂vᵢ/∂vⱼ, node by node from the output back.

Every local derivative comes from the ops table: its text from ``derivatives``, its number
from the rule. Nodes are named by their labels, unlabelled ones by the ids the stepper and
the drawings give them (``n7``). Each table prints as text, Markdown, HTML and a LaTeX
``tabular``.

Example:
    >>> from autograd_lite import Value
    >>> x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    >>> y = x1.log() + x1 * x2 - x2.sin()
    >>> t = traces(y, [x1, x2], [1.0, 0.0])
    >>> print(t.tangent.text())
    Forward tangent trace (direction ẋ1 = 1, ẋ2 = 0)
    tangent  rule                 numbers        value
    v̇₋₁      ẋ1                                  1
    v̇₀       ẋ2                                  0
    v̇₁       v̇₋₁ × 1/v₋₁          1 × 0.5        0.5
    v̇₂       v̇₋₁ × v₀ + v̇₀ × v₋₁  1 × 5 + 0 × 2  5
    v̇₃       v̇₀ × cos(v₀)         0 × 0.2837     0
    v̇₄       v̇₁ + v̇₂              0.5 + 5        5.5
    v̇₅       v̇₄ − v̇₃              5.5 − 0        5.5
    ẏ        v̇₅                                  5.5
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from ..engine import Value, check_value, topo_order
from ..forward import local_derivatives, node_tangent
from ..labels import node_names
from ..ops import NARY, OPS, wsum_operands
from ..table import Table

__all__ = ["TraceRow", "TraceTable", "Traces", "traces", "function_traces"]

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_OPERAND = re.compile(r"(?<![A-Za-z\\])(out|a|b)(?![A-Za-z])")


class TraceRow:
    """One line of a trace: ``lhs = rule = numbers`` and its value.

    Attributes:
        lhs, rule, numbers: the three texts (plain Unicode).
        value: the number the line computes.
        latex: the same three texts in LaTeX math.
    """

    __slots__ = ("lhs", "rule", "numbers", "value", "latex")

    def __init__(self, lhs: str, rule: str, numbers: str, value: float, latex: tuple):
        self.lhs, self.rule, self.numbers, self.value, self.latex = lhs, rule, numbers, value, latex

    def __repr__(self) -> str:
        return f"TraceRow({self.lhs!r}, {self.rule!r}, {self.numbers!r}, {self.value!r})"


class TraceTable:
    """One trace as a table: text, Markdown, HTML (how a notebook shows it) and LaTeX.

    Attributes:
        title: one line above the table.
        header: the names of the columns (lhs, rule, numbers, value).
        rows: the :class:`TraceRow` objects, in the order the trace computes them.
    """

    def __init__(self, title: str, header: Sequence[str], rows: list[TraceRow], fmt: str):
        self.title = title
        self.header = list(header)
        self.rows = rows
        self.fmt = fmt

    def value(self, lhs: str) -> float:
        """The value of the last row whose left-hand side is ``lhs`` (``"v̄₀"``)."""
        for r in reversed(self.rows):
            if r.lhs == lhs:
                return r.value
        raise KeyError(f"no row {lhs!r} in the {self.title.split(' (')[0].lower()}")

    def table(self) -> Table:
        """The rows as a :class:`~autograd_lite.table.Table`."""
        rows = [[r.lhs, r.rule, r.numbers, _num(r.value, self.fmt)] for r in self.rows]
        return Table(self.title, self.header, rows)

    def text(self) -> str:
        """Aligned plain text (the dots and bars over v take no column of their own)."""
        rows = [self.header] + [
            [r.lhs, r.rule, r.numbers, _num(r.value, self.fmt)] for r in self.rows
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        lines = [self.title]
        for r in rows:
            cells = [c + " " * (w - _width(c)) for c, w in zip(r, widths)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def markdown(self) -> str:
        """A Markdown table."""
        return self.table().markdown()

    def html(self) -> str:
        """An HTML table, every text escaped."""
        return self.table().html()

    _repr_html_ = html

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__  # a plain Python prompt shows the table, as a notebook does

    def latex(self) -> str:
        """A LaTeX ``tabular`` to paste into lecture notes (uses amsmath, as most notes do)."""
        lines = [
            "% " + _latex_comment(self.title),
            r"\begin{tabular}{@{}l@{\;}l@{\;}l@{\;}l@{}}",
            r"\hline",
        ]
        for r in self.rows:
            lhs, rule, numbers = r.latex
            cells = [f"${lhs}$", f"$= {rule}$" if rule else ""]
            cells.append(f"$= {numbers}$" if numbers else "")
            cells.append(f"$= {_latex_number(r.value, self.fmt)}$")
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\hline", r"\end{tabular}"]
        return "\n".join(lines)


class Traces:
    """The three traces of one function at one point.

    Attributes:
        evaluation: the evaluation (primal) trace.
        tangent: the forward tangent trace along the direction given.
        adjoint: the reverse adjoint trace.
    """

    def __init__(self, evaluation: TraceTable, tangent: TraceTable, adjoint: TraceTable):
        self.evaluation, self.tangent, self.adjoint = evaluation, tangent, adjoint

    def _all(self, method: str, sep: str) -> str:
        return sep.join(getattr(t, method)() for t in (self.evaluation, self.tangent, self.adjoint))

    def text(self) -> str:
        """The three tables as plain text."""
        return self._all("text", "\n\n")

    def markdown(self) -> str:
        """The three tables in Markdown."""
        return self._all("markdown", "\n\n")

    def html(self) -> str:
        """The three tables in HTML."""
        return self._all("html", "")

    def latex(self) -> str:
        """The three tables as LaTeX ``tabular``s, one after the other."""
        return self._all("latex", "\n\n\\bigskip\n\n")

    _repr_html_ = html

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__  # a plain Python prompt shows the table, as a notebook does


# --- names: v₋₁ ... in text, v_{-1} ... in LaTeX ----------------------------------------------


def _width(text: str) -> int:
    return sum(not unicodedata.combining(c) for c in text)


def _num(x: float, fmt: str) -> str:
    return "0" if x == 0 else format(x, fmt)


def _latex_number(x: float, fmt: str) -> str:
    s = _num(x, fmt)
    m = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", s)
    if m:
        sign = "-" if m[2] == "-" else ""
        s = f"{m[1]} \\times 10^{{{sign}{m[3]}}}"
    return s


def _latex_comment(text: str) -> str:
    return text.replace("\n", " ")


def _latex_label(name: str) -> str:
    """A label as LaTeX text: letters then digits as a subscript (x1 -> x_{1}), anything else
    escaped inside \\text."""
    m = re.fullmatch(r"([A-Za-z]+)(\d*)", name)
    if m:
        base = m[1] if len(m[1]) == 1 else rf"\mathit{{{m[1]}}}"
        return base + (f"_{{{m[2]}}}" if m[2] else "")
    special = {c: "\\" + c for c in "#$%&_{}"}
    special.update({"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"})
    return r"\text{" + "".join(special.get(c, c) for c in name) + "}"


class _Notation:
    """How the traces write a node: vᵢ and its dotted and barred forms, in text or LaTeX."""

    def __init__(self, index: dict, labels: dict, latex: bool, fmt: str = ".4g"):
        self.index, self.labels, self.latex, self.fmt = index, labels, latex, fmt

    def v(self, node: Value, mark: str = "") -> str:
        if node not in self.index:  # a constant or a leaf that is not an input: its name
            if node.label is None and not node.parents:
                return _operand_number(node.data, self.fmt, self.latex)
            return self.labels[node] if not self.latex else _latex_label(self.labels[node])
        i = self.index[node]
        if self.latex:
            base = {"": "v", "dot": r"\dot{v}", "bar": r"\bar{v}"}[mark]
            return f"{base}_{{{i}}}"
        base = {"": "v", "dot": "v\u0307", "bar": "v\u0304"}[mark]
        return base + str(i).translate(_SUB)

    def named(self, name: str, mark: str) -> str:
        """An input or output by its label, dotted or barred (ẋ1, x̄1)."""
        if self.latex:
            return {"dot": r"\dot{", "bar": r"\bar{"}[mark] + _latex_label(name) + "}"
        # NFC: ẋ and x̄ as one character where Unicode has one, as people type them
        return unicodedata.normalize(
            "NFC", name[:1] + {"dot": "\u0307", "bar": "\u0304"}[mark] + name[1:]
        )

    @property
    def times(self) -> str:
        return r" \times " if self.latex else " × "

    def text(self, math_text: str) -> str:
        return _to_latex(math_text) if self.latex else math_text


_LATEX_WORDS = [
    ("ReLU", r"\mathrm{ReLU}"),
    ("sign", r"\operatorname{sign}"),
    ("tanh", r"\tanh"),
    ("log", r"\log"),
    ("exp", r"\exp"),
    ("sin", r"\sin"),
    ("cos", r"\cos"),
    ("ln", r"\ln"),
    (" if ", r"\text{ if }"),
    (" else ", r"\text{ else }"),
]


def _to_latex(text: str) -> str:
    """The ops table's math text (operand names a, b, out kept) as LaTeX math."""
    for word, tex in _LATEX_WORDS:
        text = re.sub(rf"(?<![A-Za-z\\]){re.escape(word)}(?![A-Za-z])", lambda _, t=tex: t, text)
    text = re.sub(r"\^\(([^()]*)\)", r"^{(\1)}", text)  # a^(b−1)
    text = re.sub(r"\^([a-z]+)", r"^{\1}", text)  # a^b
    text = re.sub(r"√(\w+)", r"\\sqrt{\1}", text)
    for c, tex in (
        ("·", r" \cdot "),
        ("×", r" \times "),
        ("−", "-"),
        ("σ", r"\sigma"),
        ("²", "^2"),
    ):
        text = text.replace(c, tex)
    return text.replace("Σ", r"\sum").replace("|", r"\lvert ", 1).replace("|", r"\rvert ", 1)


def _rhs(text: str) -> str:
    """``'∂(a·b)/∂a = b'`` -> ``'b'``: the first formula of a derivative text, bracketed when it
    holds a sum or a condition."""
    rhs = text.partition(" = ")[2].split("  (")[0]
    first = rhs.split(" = ")[0]
    if first.count("(") == first.count(")"):
        rhs = first
    depth, top = 0, False
    for i, c in enumerate(rhs):
        depth += (c == "(") - (c == ")")
        if depth == 0 and any(rhs.startswith(s, i) for s in (" + ", " − ", " - ", " if ")):
            top = True
    return f"({rhs})" if top else rhs


def _local_texts(node: Value, note: _Notation) -> list[str]:
    """The local derivative ∂node/∂operand for each operand, written in the trace's names."""
    prim = OPS[node.op]
    parents = node.parents
    if prim.arity == NARY:  # the weighted sum: ∂z/∂w_k = a_k, ∂z/∂a_k = w_k, ∂z/∂b = 1
        weights, inputs, _ = wsum_operands(parents)
        return [note.v(p) for p in (*inputs, *weights)] + ["1"]
    out = []
    for i in range(len(parents)):
        rhs = note.text(_rhs(prim.derivatives[i]))
        names = {"out": note.v(node)}
        names.update(zip(prim.operand_names, (note.v(p) for p in parents)))
        out.append(_OPERAND.sub(lambda m, n=names: _wrap(n[m[1]], note.latex), rhs))
    return out


def _wrap(name: str, latex: bool) -> str:
    return "{" + name + "}" if latex else name


def _definition(node: Value, note: _Notation) -> str:
    """The operation written in the trace's names: ``log(v₋₁)``, ``v₋₁·v₀``."""
    prim = OPS[node.op]
    parents = node.parents
    if prim.arity == NARY:
        weights, inputs, bias = wsum_operands(parents)
        dot = r" \cdot " if note.latex else "·"
        terms = [f"{note.v(w)}{dot}{note.v(a)}" for w, a in zip(weights, inputs)]
        return " + ".join([*terms, note.v(bias)])
    names = dict(zip(prim.operand_names, (note.v(p) for p in parents)))
    template = note.text(prim.template)
    if node.op == "pow" and not note.latex:
        template = "a^b" if len(names["b"]) == 1 or names["b"].isdigit() else "a^(b)"
    return _OPERAND.sub(lambda m: _wrap(names[m[1]], note.latex), template)


def _term(tangent: str, local: str, note: _Notation) -> str:
    """``v̇ⱼ × local``, or just v̇ⱼ and −v̇ⱼ for the derivatives 1 and −1."""
    if local == "1":
        return tangent
    if local in ("−1", "-1"):
        return "−" + tangent if not note.latex else "-" + tangent
    if local.startswith("-"):
        local = f"({local})"
    return tangent + note.times + local


def _join(terms: list[str], latex: bool) -> str:
    out = terms[0]
    for t in terms[1:]:
        if t.startswith(("−", "-")):
            out += (" - " if latex else " − ") + t[1:]
        else:
            out += " + " + t
    return out


# --- the traces ------------------------------------------------------------------------------


def _evaluation_order(root: Value) -> list[Value]:
    """Every node root depends on, each after its operands; nodes at the same depth (the
    longest path from a leaf) side by side, in topological order within a depth. This is the
    order of Baydin et al.'s tables: ln x₁, x₁·x₂ and sin x₂ before their sums."""
    order = topo_order(root)
    depth: dict[Value, int] = {}
    for v in order:
        depth[v] = 1 + max(map(depth.__getitem__, v.parents)) if v.parents else 0
    position = {v: i for i, v in enumerate(order)}
    return sorted(order, key=lambda v: (depth[v], position[v]))


def traces(
    root: Value,
    inputs: Sequence[Value],
    direction: Sequence[float] | None = None,
    *,
    fmt: str = ".4g",
) -> Traces:
    """The evaluation, forward tangent and reverse adjoint traces of ``root``.

    Args:
        root: the output.
        inputs: the input nodes, numbered v₋ₙ₊₁ ... v₀ in this order; the other leaves
            (constants, parameters) are written by their number or label.
        direction: the tangent of each input for the forward trace; by default 1 for the
            first input and 0 for the others (the derivative with respect to the first).
        fmt: format spec for the numbers.

    Returns:
        A :class:`Traces`.

    Raises:
        TypeError: if root or an input is not a Value.
        ValueError: if direction has the wrong length, an input appears twice or is not a
            leaf, or a format is bad.
    """
    check_value(root)
    inputs = list(inputs)
    for i, v in enumerate(inputs):
        check_value(v, f"inputs[{i}]")
        if v.parents:
            raise ValueError(f"inputs[{i}] is not a leaf: the traces start from leaves")
    if len(set(inputs)) != len(inputs):
        raise ValueError("an input appears twice in inputs")
    if direction is None:
        direction = [1.0] + [0.0] * (len(inputs) - 1)
    direction = [float(d) for d in direction]
    if len(direction) != len(inputs):
        raise ValueError(f"direction has {len(direction)} numbers for {len(inputs)} input(s)")
    format(1.0, fmt)
    topo = topo_order(root)
    names = node_names(topo, lambda x: _num(x, fmt))
    order = [v for v in _evaluation_order(root) if v.parents]
    n = len(inputs)
    index = {v: i - n + 1 for i, v in enumerate(inputs)}
    index.update((v, i + 1) for i, v in enumerate(order))
    notes = [_Notation(index, names, latex, fmt) for latex in (False, True)]
    y = names[root] if root.label else "y"
    return Traces(
        _evaluation(root, inputs, order, names, notes, y, fmt),
        _tangent(root, inputs, order, direction, names, notes, y, fmt),
        _adjoint(root, inputs, order, names, notes, y, fmt),
    )


def _row(notes, fmt, value, make: Callable[[_Notation], tuple[str, str, str]]) -> TraceRow:
    text, latex = (make(note) for note in notes)
    return TraceRow(*text, value, latex)


def _evaluation(root, inputs, order, names, notes, y, fmt) -> TraceTable:
    rows = [
        _row(
            notes,
            fmt,
            v.data,
            lambda nt, v=v: (
                nt.v(v),
                nt.text(names[v]) if not nt.latex else _latex_label(names[v]),
                "",
            ),
        )
        for v in inputs
    ]
    for v in order:

        def make(nt, v=v):
            numbers = _definition_numbers(v, nt, fmt)
            return nt.v(v), _definition(v, nt), numbers

        rows.append(_row(notes, fmt, v.data, make))
    rows.append(_output_row(root, notes, fmt, root.data, y, "", inputs))
    return TraceTable("Evaluation trace", ["primal", "operation", "numbers", "value"], rows, fmt)


class _Numbers(_Notation):
    """Writes each operand as its number (negative numbers in brackets)."""

    def __init__(self, fmt: str, latex: bool, brackets: bool):
        super().__init__({}, {}, latex, fmt)
        self.brackets = brackets

    def v(self, node: Value, mark: str = "") -> str:
        return _operand_number(node.data, self.fmt, self.latex, self.brackets)


def _operand_number(x: float, fmt: str, latex: bool, brackets: bool = True) -> str:
    s = _latex_number(x, fmt) if latex else _num(x, fmt)
    return f"({s})" if brackets and s.startswith("-") else s


def _definition_numbers(v: Value, nt: _Notation, fmt: str) -> str:
    """The operation with the operands' numbers in place of their names: ``log(2)``."""
    return _definition(v, _Numbers(fmt, nt.latex, brackets=len(v.parents) > 1))


def _output_row(root, notes, fmt, value, y, mark, inputs) -> TraceRow:
    def make(nt):
        lhs = nt.named(y, mark) if mark else (_latex_label(y) if nt.latex else y)
        if root in inputs or root.parents:
            return lhs, (nt.v(root, mark) if mark else nt.v(root)), ""
        return lhs, "", ""

    return _row(notes, fmt, value, make)


def _tangent(root, inputs, order, direction, names, notes, y, fmt) -> TraceTable:
    tangent: dict[Value, float] = dict(zip(inputs, direction))
    rows = [
        _row(notes, fmt, t, lambda nt, v=v: (nt.v(v, "dot"), nt.named(names[v], "dot"), ""))
        for v, t in zip(inputs, direction)
    ]
    for v in order:
        local = local_derivatives(v)
        ts = [tangent.get(p, 0.0) if (p in tangent or p.parents) else None for p in v.parents]
        t = node_tangent(v, ts)
        tangent[v] = 0.0 if t is None else t
        moving = [k for k, p in enumerate(v.parents) if p in tangent]

        def make(nt, v=v, local=local, moving=moving):
            texts = _local_texts(v, nt)
            if not moving:  # made of constants only
                return nt.v(v, "dot"), "0", ""
            rule = _join([_term(nt.v(v.parents[k], "dot"), texts[k], nt) for k in moving], nt.latex)
            num = _latex_number if nt.latex else _num
            numbers = _join(
                [
                    _term(num(tangent[v.parents[k]], fmt), num(local[k], fmt), nt)
                    if texts[k] not in ("1", "−1", "-1")
                    else _term(num(tangent[v.parents[k]], fmt), texts[k], nt)
                    for k in moving
                ],
                nt.latex,
            )
            return nt.v(v, "dot"), rule, numbers

        rows.append(_row(notes, fmt, tangent[v], make))
    rows.append(_output_row(root, notes, fmt, tangent.get(root, 0.0), y, "dot", inputs))
    seed = ", ".join(
        f"{notes[0].named(names[v], 'dot')} = {_num(t, fmt)}" for v, t in zip(inputs, direction)
    )
    return TraceTable(
        f"Forward tangent trace (direction {seed})",
        ["tangent", "rule", "numbers", "value"],
        rows,
        fmt,
    )


def _adjoint(root, inputs, order, names, notes, y, fmt) -> TraceTable:
    adjoint: dict[Value, float] = {}
    wanted = set(inputs) | set(order)
    rows = []
    if root.parents or root in wanted:
        adjoint[root] = 1.0
        rows.append(_row(notes, fmt, 1.0, lambda nt: (nt.v(root, "bar"), nt.named(y, "bar"), "")))
    for v in reversed(order):
        if v not in adjoint:
            continue
        g = adjoint[v]
        local = local_derivatives(v)
        terms = OPS[v.op].rule(g, v.data, *[p.data for p in v.parents])
        for k, p in enumerate(v.parents):
            if p not in wanted:
                continue
            before = adjoint.get(p)
            adjoint[p] = terms[k] if before is None else before + terms[k]

            def make(nt, v=v, k=k, p=p, before=before, g=g, local=local):
                lhs = nt.v(p, "bar")
                texts = _local_texts(v, nt)
                partial = (
                    rf"\frac{{\partial {nt.v(v)}}}{{\partial {nt.v(p)}}}"
                    if nt.latex
                    else f"∂{nt.v(v)}/∂{nt.v(p)}"
                )
                num = _latex_number if nt.latex else _num
                term = nt.v(v, "bar") + nt.times + partial
                rule_term = _term(nt.v(v, "bar"), texts[k], nt)
                num_term = _term(num(g, fmt), num(local[k], fmt), nt)
                if before is None:
                    rule = f"{term} = {rule_term}"
                    return lhs, rule, num_term
                rule = f"{lhs} + {term} = {_join([lhs, rule_term], nt.latex)}"
                return lhs, rule, _join([num(before, fmt), num_term], nt.latex)

            rows.append(_row(notes, fmt, adjoint[p], make))
    for v in inputs:
        rows.append(
            _row(
                notes,
                fmt,
                adjoint.get(v, 0.0),
                lambda nt, v=v: (nt.named(names[v], "bar"), nt.v(v, "bar"), ""),
            )
        )
    return TraceTable("Reverse adjoint trace", ["adjoint", "rule", "numbers", "value"], rows, fmt)


def function_traces(
    f: Callable,
    primals: Sequence[float],
    direction: Sequence[float] | None = None,
    *,
    names: Sequence[str] | None = None,
    fmt: str = ".4g",
) -> Traces:
    """:func:`traces` of a Python function at a point: ``f(*inputs)`` with inputs made from
    ``primals`` and labelled ``names`` (x1, x2, ... by default).

    Example:
        >>> t = function_traces(lambda x1, x2: x1.log() + x1 * x2 - x2.sin(), (2.0, 5.0))
        >>> t.adjoint.value("x̄1"), round(t.adjoint.value("x̄2"), 3)
        (5.5, 1.716)
    """
    if names is None:
        names = [f"x{i + 1}" for i in range(len(primals))]
    if len(names) != len(primals):
        raise ValueError(f"{len(names)} name(s) for {len(primals)} primal(s)")
    inputs = [Value(x, label=n) for x, n in zip(primals, names)]
    out = f(*inputs)
    check_value(out, "the function's output")
    return traces(out, inputs, direction, fmt=fmt)
