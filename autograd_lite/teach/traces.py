"""Evaluation, forward tangent and reverse adjoint traces: the tables teachers draw on the board.

For a function of a few numbers, as Baydin et al. (JMLR 2018, tables 2 and 3) write them:

* the evaluation trace: the inputs v₋₁, v₀ ... then vᵢ = op(...) for every operation, in an
  order where each node comes after its operands (nodes at the same depth side by side);
* the forward tangent trace for one input direction: v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ with the rule
  and the numbers, the steps of :func:`~autograd_lite.forward.forward_steps`;
* the reverse adjoint trace: v̄ⱼ += v̄ᵢ · ∂vᵢ/∂vⱼ, node by node from the output back: the
  steps of :func:`~autograd_lite.engine.backward_steps` in the engine's order, so it ends
  where ``backward()`` does, even where an adjoint is too small for a float (the numbers
  column then writes it with a decimal exponent of its own, ``−5e−601``).

Numbers are written as the stepper pages write them (:func:`~autograd_lite.labels.page_number`):
a fixed number of significant digits (``0.5000``, whole numbers whole), the true minus (−) in
every form but LaTeX's math; the text form stands the values one under the other by their
decimal points, Markdown and HTML set them flush right.

A pass that cannot go on (a tangent too large for a float, a gradient that is not a number)
ends its table with a note that says where and why.

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
    Forward tangent trace (direction ẋ₁ = 1, ẋ₂ = 0)
    tangent  rule                 numbers        value
    v̇₋₁      ẋ₁                                  1
    v̇₀       ẋ₂                                  0
    v̇₁       v̇₋₁ × 1/v₋₁          1 × 0.5000     0.5000
    v̇₂       v̇₋₁ × v₀ + v̇₀ × v₋₁  1 × 5 + 0 × 2  5
    v̇₃       v̇₀ × cos(v₀)         0 × 0.2837     0
    v̇₄       v̇₁ + v̇₂              0.5000 + 5     5.500
    v̇₅       v̇₄ − v̇₃              5.500 − 0      5.500
    ẏ        v̇₅                                  5.500
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence

from .. import escape
from ..engine import Value, backward_steps, check_value, topo_order
from ..forward import forward_steps, local_derivatives
from ..labels import MINUS, node_names, page_number
from ..ops import NARY, OPS, wsum_operands
from ..table import Table
from . import _scaled
from .size import check_size

__all__ = ["TraceRow", "TraceTable", "Traces", "traces", "function_traces"]

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_SUB_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
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
        notes: lines below the table: why a trace stops early (a tangent too large for a
            float, a gradient that is not a number); the LaTeX form has them in ``latex_notes``.
        latex_title: the title as LaTeX text (its names in math); by default the title,
            escaped.
    """

    def __init__(
        self,
        title: str,
        header: Sequence[str],
        rows: list[TraceRow],
        fmt: str,
        notes: Sequence[str] = (),
        latex_notes: Sequence[str] = (),
        latex_title: str | None = None,
    ):
        self.title = title
        self.latex_title = escape.latex(title) if latex_title is None else latex_title
        self.header = list(header)
        self.rows = rows
        self.fmt = fmt
        self.notes = list(notes)
        self.latex_notes = list(latex_notes)

    def value(self, lhs: str) -> float:
        """The value of the last row whose left-hand side is ``lhs`` (``"v̄₀"``, ``"x̄₁"``; an
        input's digits may be typed plain, ``"x̄1"``)."""
        typed = re.sub(r"[0-9]+$", lambda m: m[0].translate(_SUB_DIGITS), lhs)
        wanted = {lhs, unicodedata.normalize("NFC", typed)}
        for r in reversed(self.rows):
            if r.lhs in wanted:
                return r.value
        raise KeyError(f"no row {lhs!r} in the {self.title.split(' (')[0].lower()}")

    def table(self) -> Table:
        """The rows as a :class:`~autograd_lite.table.Table`."""
        rows = [[r.lhs, r.rule, r.numbers, _num(r.value, self.fmt)] for r in self.rows]
        return Table(self.title, self.header, rows, self.notes, align="lllr")

    def text(self) -> str:
        """Aligned plain text (the dots and bars over v take no column of their own), the
        values one under the other by their decimal points."""
        values = [escape.terminal(_num(r.value, self.fmt)) for r in self.rows]
        point = max(map(_point, values), default=0)
        rows = [[escape.terminal(c) for c in self.header]] + [
            [
                *(escape.terminal(c) for c in (r.lhs, r.rule, r.numbers)),
                " " * (point - _point(v)) + v,
            ]
            for r, v in zip(self.rows, values)
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        lines = [escape.terminal(self.title)]
        for r in rows:
            cells = [c + " " * (w - _width(c)) for c, w in zip(r, widths)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines + [escape.terminal(n) for n in self.notes])

    def markdown(self) -> str:
        """A Markdown table."""
        return self.table().markdown()

    def html(self) -> str:
        """An HTML table, every text escaped, with a small style of its own (cell padding and
        rules), so that it reads as a table outside a notebook too."""
        return _styled(self.table().html())

    _repr_html_ = html

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__  # a plain Python prompt shows the table, as a notebook does

    def latex(self) -> str:
        """A LaTeX ``tabular`` to paste into lecture notes: its title in bold above a header
        row, booktabs rules, rows spaced so that fractions do not touch.

        The document's preamble needs ``\\usepackage{amsmath}`` and
        ``\\usepackage{booktabs}`` (for ``\\toprule``, ``\\midrule`` and ``\\bottomrule``;
        without it LaTeX stops at "Undefined control sequence"); the first line of the
        text, a comment, says so."""
        return _LATEX_PACKAGES + "\n" + self._latex_tabular()

    def _latex_tabular(self) -> str:
        lines = [
            r"{\renewcommand{\arraystretch}{1.3}%",
            r"\begin{tabular}{@{}llll@{}}",
            rf"\multicolumn{{4}}{{@{{}}l}}{{\textbf{{{self.latex_title}}}}} \\",
            r"\toprule",
            " & ".join(escape.latex(h) for h in self.header) + r" \\",
            r"\midrule",
        ]
        for r in self.rows:
            lhs, rule, numbers = r.latex
            cells = [f"${lhs}$", f"$= {rule}$" if rule else ""]
            cells.append(f"$= {numbers}$" if numbers else "")
            cells.append(f"$= {_latex_number(r.value, self.fmt)}$")
            # a fraction stands taller than a line: room below it for the next row's
            end = r" \\[4pt]" if r"\frac" in rule + numbers else r" \\"
            lines.append(" & ".join(cells) + end)
        lines += [r"\bottomrule", r"\end{tabular}}"]
        lines += [r"\par\noindent " + note for note in self.latex_notes]
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
        """The three tables as LaTeX ``tabular``s, one after the other, under one comment
        line that names the packages the preamble needs (amsmath and booktabs, see
        :meth:`TraceTable.latex`)."""
        return _LATEX_PACKAGES + "\n" + self._all("_latex_tabular", "\n\n\\bigskip\n\n")

    _repr_html_ = html

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__  # a plain Python prompt shows the table, as a notebook does


_LATEX_PACKAGES = r"% needs \usepackage{amsmath} and \usepackage{booktabs} in the preamble"
"""The first line of every LaTeX trace: a fixed comment (no user text is ever in a comment)."""

_CELL = "padding:2px 12px 2px 0;text-align:left;white-space:nowrap"
_NUMBER_CELL = "padding:2px 0 2px 12px;text-align:right;white-space:nowrap"  # the values
_HTML_STYLE = {
    "<table>": '<table style="border-collapse:collapse;margin:4px 0 12px">',
    "<th>": f'<th style="{_CELL};border-bottom:1.5px solid #444">',
    "<td>": f'<td style="{_CELL};border-bottom:1px solid #ddd">',
    '<th style="text-align:right">': f'<th style="{_NUMBER_CELL};border-bottom:1.5px solid #444">',
    '<td style="text-align:right">': f'<td style="{_NUMBER_CELL};border-bottom:1px solid #ddd">',
    "<p><b>": '<p style="margin:8px 0 2px"><b>',
}


def _styled(html: str) -> str:
    """The table's HTML with inline styles: padding between the cells, a rule under the header
    and each row. Every text in it is escaped, so the tags replaced are the table's own."""
    for tag, styled in _HTML_STYLE.items():
        html = html.replace(tag, styled)
    return html


# --- names: v₋₁ ... in text, v_{-1} ... in LaTeX ----------------------------------------------


def _width(text: str) -> int:
    return sum(not unicodedata.combining(c) for c in text)


def _point(number: str) -> int:
    """The width of a number's text before its decimal point (or exponent, or end)."""
    return _width(re.match(r"[^.e]*", number)[0])


def _num(x: float | tuple[float, int], fmt: str) -> str:
    """A number as the tables write it: as the pages do (:func:`~autograd_lite.labels.
    page_number`: a fixed number of significant digits, the true minus); ``(m, e)`` is
    m·2**e, which a float may not hold (written with a decimal exponent of its own)."""
    if isinstance(x, tuple):
        if not x[0]:
            return "0"
        if _scaled.in_floats(x):
            return page_number(_scaled.as_float(x), fmt)
        return _scaled.text(x, fmt).replace("-", MINUS)
    return page_number(x, fmt)


def _negative(text: str) -> bool:
    return text.startswith(("-", MINUS))


def _latex_number(x: float, fmt: str) -> str:
    s = _num(x, fmt).replace(MINUS, "-")
    m = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", s)
    if m:
        sign = "-" if m[2] == "-" else ""
        return f"{m[1]} \\times 10^{{{sign}{m[3]}}}"
    if re.fullmatch(r"-?[0-9.]+|-?inf|nan", s):
        return s
    return r"\text{" + escape.latex(s) + "}"  # a fmt of the user's may add any character


def _text_label(name: str) -> str:
    """A label as the text forms write it: letters then digits as a subscript (x1 -> x₁), as
    the LaTeX form writes x_{1} and the inputs' v₋₁ have theirs; anything else unchanged."""
    m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", name)
    return m[1] + m[2].translate(_SUB_DIGITS) if m else name


def _latex_label(name: str, accent: str = "") -> str:
    """A label as LaTeX text: letters then digits as a subscript (x1 -> x_{1}), anything else
    escaped inside \\text. An ``accent`` (``\\dot``) goes on the letters only:
    ``\\dot{x}_{1}``."""
    m = re.fullmatch(r"([A-Za-z]+)([0-9]*)", name)
    if m:
        base = m[1] if len(m[1]) == 1 else rf"\mathit{{{m[1]}}}"
        sub = f"_{{{m[2]}}}" if m[2] else ""
    else:
        base, sub = r"\text{" + escape.latex(name) + "}", ""
    return (f"{accent}{{{base}}}" if accent else base) + sub


class _Notation:
    """How the traces write a node: vᵢ and its dotted and barred forms, in text or LaTeX."""

    def __init__(self, index: dict, labels: dict, latex: bool, fmt: str = ".4g"):
        self.index, self.labels, self.latex, self.fmt = index, labels, latex, fmt

    def v(self, node: Value, mark: str = "") -> str:
        if node not in self.index:  # a constant or a leaf that is not an input: its name
            if node.label is None and not node.parents:
                return _operand_number(node.data, self.fmt, self.latex)
            return self.name(self.labels[node])
        i = self.index[node]
        if self.latex:
            base = {"": "v", "dot": r"\dot{v}", "bar": r"\bar{v}"}[mark]
            return f"{base}_{{{i}}}"
        base = {"": "v", "dot": "v\u0307", "bar": "v\u0304"}[mark]
        return base + str(i).translate(_SUB)

    def name(self, name: str) -> str:
        """An input, output or other leaf by its label (x₁, or x_{1} in LaTeX)."""
        return _latex_label(name) if self.latex else _text_label(name)

    def named(self, name: str, mark: str) -> str:
        """An input or output by its label, dotted or barred (ẋ₁, x̄₁)."""
        if self.latex:
            return _latex_label(name, {"dot": r"\dot", "bar": r"\bar"}[mark])
        name = _text_label(name)
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
    ("exp", r"\exp"),
    ("sin", r"\sin"),
    ("cos", r"\cos"),
    ("ln", r"\ln"),  # the natural log, as Baydin et al. write it
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
        rhs = note.text(_times(_rhs(prim.derivatives[i]), note.latex))
        names = {"out": note.v(node)}
        names.update(zip(prim.operand_names, (note.v(p) for p in parents)))
        out.append(_OPERAND.sub(lambda m, n=names: _wrap(n[m[1]], note.latex), rhs))
    return out


def _wrap(name: str, latex: bool) -> str:
    return "{" + name + "}" if latex else name


def _times(text: str, latex: bool) -> str:
    """The ops table's products (``a·b``) with the traces' one product sign, ×, as the
    tangent and adjoint rules write theirs (v̇₋₁ × v₀)."""
    return text.replace("·", "×" if latex else " × ")


def _placed(operand: str, template: str, m: re.Match) -> str:
    """An operand in its place in an operation: a negative number in brackets after an
    operator (``2 × (−3)``, ``−(−3)``, ``(−2)^2``), bare where it leads (``−6 × 2``) or stands
    alone in brackets or bars (``sin(−3)``, ``|−3|``)."""
    before, after = template[: m.start()], template[m.end() :]
    leads = before == "" and after.startswith(" ")
    alone = before.endswith(("(", "|", r"\lvert ", "^{")) and after.startswith(
        (")", "|", "\\r", "}")
    )
    return _bracketed(operand, not (leads or alone))


def _bracketed(operand: str, brackets: bool) -> str:
    """A negative number with brackets or without, whichever way it came."""
    bare = operand[1:-1] if operand.startswith("(") and operand.endswith(")") else operand
    if not _negative(bare):
        return operand
    return f"({bare})" if brackets else bare


def _definition(node: Value, note: _Notation) -> str:
    """The operation written in the trace's names: ``ln(v₋₁)``, ``v₋₁ × v₀``."""
    prim = OPS[node.op]
    parents = node.parents
    if prim.arity == NARY:
        weights, inputs, bias = wsum_operands(parents)
        terms = [
            _bracketed(note.v(w), k > 0) + note.times + _bracketed(note.v(a), True)
            for k, (w, a) in enumerate(zip(weights, inputs))
        ]
        return " + ".join([*terms, _bracketed(note.v(bias), True)])
    names = dict(zip(prim.operand_names, (note.v(p) for p in parents)))
    template = note.text(_times(prim.template, note.latex))
    if node.op == "pow" and not note.latex:
        template = "a^b" if len(names["b"]) == 1 or names["b"].isdigit() else "a^(b)"
    return _OPERAND.sub(lambda m: _wrap(_placed(names[m[1]], template, m), note.latex), template)


def _term(tangent: str, local: str, note: _Notation) -> str:
    """``v̇ⱼ × local``, or just v̇ⱼ and −v̇ⱼ for the derivatives 1 and −1 (a negative local
    derivative and a negated negative number in brackets: ``2 × (−3)``, ``−(−2)``)."""
    if local == "1":
        return tangent
    if local in _UNIT:
        if _negative(tangent):
            tangent = f"({tangent})"
        return ("-" if note.latex else MINUS) + tangent
    if _negative(local):
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
        fmt: format spec for the numbers (with ".Ng", N significant digits, kept to the end:
            ``0.5000``; see :func:`~autograd_lite.labels.page_number`).

    Returns:
        A :class:`Traces`.

    Raises:
        TypeError: if root or an input is not a Value.
        ValueError: if direction has the wrong length, an input appears twice or is not a
            leaf, or a format is bad; or if the graph has more than
            :data:`~autograd_lite.teach.size.MAX_NODES` nodes.
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
    page_number(1.0, fmt)  # a bad format is refused before any work
    topo = topo_order(root)
    check_size(topo, "traces")
    names = node_names(topo, lambda x: _num(x, fmt))
    for v in inputs:  # an input the root does not depend on: named all the same
        names.setdefault(v, v.label or _num(v.data, fmt))
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
                nt.name(names[v]),
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
    """Writes each operand as its number (in brackets where it needs them, :func:`_placed`)."""

    def __init__(self, fmt: str, latex: bool):
        super().__init__({}, {}, latex, fmt)

    def v(self, node: Value, mark: str = "") -> str:
        return _operand_number(node.data, self.fmt, self.latex, brackets=False)


def _operand_number(x: float, fmt: str, latex: bool, brackets: bool = True) -> str:
    s = _latex_number(x, fmt) if latex else _num(x, fmt)
    return f"({s})" if brackets and _negative(s) else s


def _definition_numbers(v: Value, nt: _Notation, fmt: str) -> str:
    """The operation with the operands' numbers in place of their names: ``ln(2)``."""
    return _definition(v, _Numbers(fmt, nt.latex))


def _output_row(root, notes, fmt, value, y, mark, inputs) -> TraceRow:
    def make(nt):
        lhs = nt.named(y, mark) if mark else nt.name(y)
        if root in inputs or root.parents:
            return lhs, (nt.v(root, mark) if mark else nt.v(root)), ""
        return lhs, "", ""

    return _row(notes, fmt, value, make)


def _replay(steps: Iterator) -> tuple[list, Exception | None]:
    """The steps of a pass up to the end, or up to the error that stops it."""
    done = []
    try:
        for step in steps:
            done.append(step)
    except (ArithmeticError, ValueError) as err:
        return done, err
    return done, None


def _stop_notes(node: Value, notes, mark: str, what: str, err: Exception) -> dict:
    """The notes under a trace the pass stopped at ``node``: why, in text and in LaTeX."""
    text = f"{notes[0].v(node, mark)} {what}, so the trace stops here: {err}"
    return {"notes": [text], "latex_notes": [f"${notes[1].v(node, mark)}$ {what}."]}


def _shown_local(node: Value, k: int, d: float | None) -> _scaled.Scaled | None:
    """The local derivative to print, scaled where the float is 0 or infinite (an adjoint
    or a tangent times it may still be an ordinary number); None where it is not known."""
    return None if d is None else _scaled.local(node, k, d)


def _tangent(root, inputs, order, direction, names, notes, y, fmt) -> TraceTable:
    done, err = _replay(forward_steps([root], dict(zip(inputs, direction))))
    step_of = {step.node: step for step in done}
    rows = [
        _row(notes, fmt, t, lambda nt, v=v: (nt.v(v, "dot"), nt.named(names[v], "dot"), ""))
        for v, t in zip(inputs, direction)
    ]
    stop: dict = {}
    for v in order:  # the paper's order: each tangent needs only its operands'
        if v not in step_of:
            stop = _stop_notes(v, notes, "dot", "is not a finite number", err)
            break
        rows.append(_tangent_row(step_of[v], notes, fmt))
    else:
        seeds = dict(zip(inputs, direction))
        value = step_of[root].tangent if root in step_of else seeds.get(root, 0.0)
        rows.append(_output_row(root, notes, fmt, value, y, "dot", inputs))
    seed = ", ".join(
        f"{notes[0].named(names[v], 'dot')} = {_num(t, fmt)}" for v, t in zip(inputs, direction)
    )
    latex_seed = ", ".join(
        f"${notes[1].named(names[v], 'dot')} = {_latex_number(t, fmt)}$"
        for v, t in zip(inputs, direction)
    )
    header = ["tangent", "rule", "numbers", "value"]
    return TraceTable(
        f"Forward tangent trace (direction {seed})",
        header,
        rows,
        fmt,
        latex_title=f"Forward tangent trace (direction {latex_seed})",
        **stop,
    )


def _tangent_row(step, notes, fmt) -> TraceRow:
    """v̇ᵢ = Σⱼ v̇ⱼ × ∂vᵢ/∂vⱼ over the operands the trace names (inputs and operations)."""
    v = step.node
    shown = [k for k, p in enumerate(v.parents) if p in notes[0].index]
    local = list(step.local)
    if any(local[k] is None for k in shown):  # an operand that does not move: still shown
        try:
            local = [d if d is not None else f for d, f in zip(local, local_derivatives(v))]
        except (ArithmeticError, ValueError):
            pass
    local = [_shown_local(v, k, d) for k, d in enumerate(local)]

    def make(nt):
        texts = _local_texts(v, nt)
        if not shown:  # made of constants only
            return nt.v(v, "dot"), "0", ""
        rule = _join([_term(nt.v(v.parents[k], "dot"), texts[k], nt) for k in shown], nt.latex)
        num = _latex_number if nt.latex else _num
        factors = [
            (
                # after a +, a negative number in brackets: −3 + (−2), not −3 − 2
                _bracketed(num(step.tangents[k], fmt), i > 0),
                texts[k] if texts[k] in ("1", *_UNIT) else _factor(local[k], nt),
            )
            for i, k in enumerate(shown)
        ]
        return nt.v(v, "dot"), rule, _join([_term(t, d, nt) for t, d in factors], nt.latex)

    return _row(notes, fmt, step.tangent, make)


_UNIT = ("−1", "-1")  # the local derivatives written as a sign (1 is left out)


def _factor(x, nt: _Notation) -> str:
    """A local derivative as the numbers column writes it ("?" where it is not known)."""
    if x is None:
        return "?"
    return _latex_number(x, nt.fmt) if nt.latex else _num(x, nt.fmt)


def _adjoint(root, inputs, order, names, notes, y, fmt) -> TraceTable:
    """The adjoint trace: the steps of the engine's backward pass, in its order, one row per
    term an operand the trace names receives."""
    wanted = set(inputs) | set(order)
    rows = []
    adjoint: dict[Value, float] = {}
    if root.parents or root in wanted:
        adjoint[root] = 1.0
        rows.append(_row(notes, fmt, 1.0, lambda nt: (nt.v(root, "bar"), nt.named(y, "bar"), "")))
    done, err = _replay(backward_steps(root))
    for step in done:
        rows += _adjoint_rows(step, wanted, adjoint, notes, fmt)
    stop: dict = {}
    if err is not None:
        node = _next_node(root, done)
        stop = _stop_notes(node, notes, "bar", "does not pass on a finite number", err)
    for v in inputs:
        rows.append(
            _row(
                notes,
                fmt,
                adjoint.get(v, 0.0),
                lambda nt, v=v: (nt.named(names[v], "bar"), nt.v(v, "bar"), ""),
            )
        )
    header = ["adjoint", "rule", "numbers", "value"]
    return TraceTable("Reverse adjoint trace", header, rows, fmt, **stop)


def _next_node(root: Value, done: list) -> Value:
    """The node whose step the backward pass failed at: the next one it visits."""
    visited = {step.node for step in done}
    pending = [v for v in reversed(topo_order(root)) if v.parents and v not in visited]
    return pending[0] if pending else root


def _adjoint_rows(step, wanted: set, adjoint: dict, notes, fmt) -> list[TraceRow]:
    """The rows of one backward step: v̄ⱼ (+)= v̄ᵢ × ∂vᵢ/∂vⱼ for each operand vⱼ shown.

    The values are the step's own (``after``), so the trace ends where ``backward()`` does;
    an operand used twice shows its first term's sum on the way.
    """
    v, g, rows = step.node, step.adjoint, []
    last = {p: k for k, p in enumerate(v.parents)}
    for k, p in enumerate(v.parents):
        if p not in wanted:
            continue
        before = adjoint.get(p)
        term = step.terms[k]
        adjoint[p] = step.after[k] if last[p] == k else term if before is None else before + term
        local: _scaled.Scaled | None = None  # worked out here only where the floats fail
        shown_g: float | _scaled.Scaled = g
        if term and not (g and math.isfinite(term / g)):  # the float factors lost the term
            local = _scaled.local(v, k)
            if local[0]:
                shown_g = _scaled.divide(term, local)

        def make(nt, k=k, p=p, before=before, local=local, shown_g=shown_g):
            lhs = nt.v(p, "bar")
            texts = _local_texts(v, nt)
            partial = (
                rf"\frac{{\partial {nt.v(v)}}}{{\partial {nt.v(p)}}}"
                if nt.latex
                else f"∂{nt.v(v)}/∂{nt.v(p)}"
            )
            num = _latex_number if nt.latex else _num
            if local is None:
                d = _factor(_shown_local(v, k, _local_at(v, k)), nt)
            else:
                d = _factor(local, nt)
            num_term = _term(_bracketed(num(shown_g, fmt), before is not None), d, nt)
            chain = nt.v(v, "bar") + nt.times + partial
            rule_term = _term(nt.v(v, "bar"), texts[k], nt)
            if before is None:
                return lhs, f"{chain} = {rule_term}", num_term
            rule = f"{lhs} + {chain} = {_join([lhs, rule_term], nt.latex)}"
            return lhs, rule, _join([num(before, fmt), num_term], nt.latex)

        rows.append(_row(notes, fmt, adjoint[p], make))
    return rows


def _local_at(node: Value, k: int) -> float | None:
    """∂node/∂operand k from the ops table's rule (None where the rule fails there)."""
    try:
        return float(local_derivatives(node)[k])
    except (ArithmeticError, ValueError):
        return None


def function_traces(
    f: Callable,
    primals: Sequence[float],
    direction: Sequence[float] | None = None,
    *,
    names: Sequence[str] | None = None,
    fmt: str = ".4g",
) -> Traces:
    """:func:`traces` of a Python function at a point: ``f(*inputs)`` with inputs made from
    ``primals`` and labelled ``names`` (x1, x2, ... by default, which the text forms write
    x₁, x₂ and LaTeX's x_{1}, x_{2}, as the inputs' v₋₁, v₀ are written).

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
