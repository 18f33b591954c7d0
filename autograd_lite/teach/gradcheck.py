"""Gradient checking: compare the engine's derivatives with central finite differences.

:func:`gradcheck` answers "are the derivatives right?" with ``True`` or a clear error that
lists every input with its analytic (engine) and numeric (finite-difference) derivative.
:func:`gradcheck_report` returns the same comparison as a table for teaching: it prints as
text, gives Markdown with ``markdown()`` and shows as HTML in a notebook.

Example:
    >>> gradcheck(lambda x, y: x * y + x.tanh(), [0.5, -2.0])
    True
    >>> print(gradcheck_report(lambda x: x * x, [Value(3.0, label="x")], eps=0.5))
    gradcheck passed: 1 input(s), eps=0.5, atol=1e-05, rtol=0.001
    input  value  analytic  numeric  abs error  ok
    x      3      6         6        0          yes

The user's Values are never modified: the function is called on fresh leaves that carry the
same numbers and labels, and the analytic derivatives come from :func:`gradients`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..engine import Value, gradients, no_grad
from ..table import Table, report_html, report_markdown, report_text

__all__ = ["GradcheckError", "GradcheckRow", "GradcheckReport", "gradcheck", "gradcheck_report"]


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when an analytic derivative disagrees with the numeric one.

    Attributes:
        report: the full :class:`GradcheckReport`, one row per input.
    """

    def __init__(self, message: str, report: GradcheckReport):
        super().__init__(message)
        self.report = report


class GradcheckRow(NamedTuple):
    """One input of a gradient check.

    Attributes:
        index: position of the input in ``inputs``.
        label: the input's label, or None.
        value: the number at which the derivative was taken.
        analytic: the engine's derivative.
        numeric: the central finite difference (f(x + eps) − f(x − eps)) / (2·eps).
        abs_error: |analytic − numeric|.
        tolerance: atol + rtol·|numeric|, the largest error that passes.
        ok: whether abs_error is within the tolerance.
    """

    index: int
    label: str | None
    value: float
    analytic: float
    numeric: float
    abs_error: float
    tolerance: float
    ok: bool

    @property
    def name(self) -> str:
        """The label, or ``input <index>`` for an unlabelled input."""
        return self.label if self.label else f"input {self.index}"


_HEADER = ("input", "value", "analytic", "numeric", "abs error", "ok")


def _num(x: float) -> str:
    return f"{x:.10g}"


class GradcheckReport(NamedTuple):
    """The result of :func:`gradcheck_report`: one :class:`GradcheckRow` per input.

    Attributes:
        rows: the rows, in input order.
        output: the value of the function at the inputs.
        eps, atol, rtol: the options used.
    """

    rows: tuple[GradcheckRow, ...]
    output: float
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        """True when every input's derivative is within tolerance."""
        return all(r.ok for r in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    def failures(self) -> list[GradcheckRow]:
        """The rows whose derivative is out of tolerance."""
        return [r for r in self.rows if not r.ok]

    def _title(self) -> str:
        n = len(self.rows)
        verdict = "passed" if self.passed else f"FAILED for {len(self.failures())} of {n} inputs"
        return (
            f"gradcheck {verdict}: {n} input(s), eps={self.eps:g}, atol={self.atol:g}, "
            f"rtol={self.rtol:g}"
        )

    def _cells(self) -> list[list[str]]:
        return [
            [
                r.name,
                _num(r.value),
                _num(r.analytic),
                _num(r.numeric),
                f"{r.abs_error:.3g}",
                "yes" if r.ok else "NO",
            ]
            for r in self.rows
        ]

    def table(self) -> Table:
        """The report as a :class:`~autograd_lite._table.Table`, failures marked."""
        failed = [i for i, r in enumerate(self.rows) if not r.ok]
        return Table(self._title(), _HEADER, self._cells(), marked=failed)

    __str__ = report_text
    __repr__ = report_text  # a plain Python prompt shows the table, as a notebook does
    markdown = report_markdown
    _repr_html_ = report_html

    def message(self) -> str:
        """A failure message that lists every input: analytic, numeric, error, verdict."""
        lines = [self._title()]
        for r in self.rows:
            lines.append(
                f"  {r.name} = {r.value!r}: analytic {r.analytic!r}, numeric {r.numeric!r}, "
                f"error {r.abs_error:.3g} (allowed {r.tolerance:.3g})"
                + ("" if r.ok else "  <-- mismatch")
            )
        return "\n".join(lines)


def _leaves(inputs: Sequence) -> list[Value]:
    """Fresh leaves with the inputs' numbers and labels, so the user's Values stay untouched."""
    if isinstance(inputs, (Value, int, float)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"inputs must be a list or tuple of numbers or Values, got {type(inputs).__name__}"
        )
    if len(inputs) == 0:
        raise ValueError("gradcheck needs at least one input")
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            out.append(Value(x.data, x.label))
        else:
            try:
                out.append(Value(x))
            except (TypeError, ValueError) as err:
                raise type(err)(f"inputs[{i}]: {err}") from None
    return out


def _parameter_names(fn: Callable[..., Value], n: int) -> list[str | None]:
    """The names of fn's first n positional parameters (``lambda a, b: ...`` gives a and
    b), to name the rows of unlabelled inputs; None where there is no such name."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [None] * n
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in kinds]
    return [names[i] if i < len(names) else None for i in range(n)]


def _call(fn: Callable[..., Value], args: list[Value]) -> Value:
    out = fn(*args)
    if not isinstance(out, Value):
        raise TypeError(
            f"fn must return a Value, got {type(out).__name__}: {out!r}; build the result "
            "from the Values it is given"
        )
    return out


def gradcheck_report(
    fn: Callable[..., Value],
    inputs: Sequence,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare the engine's derivatives of ``fn`` with central finite differences.

    Args:
        fn: takes one Value per input and returns a Value.
        inputs: numbers or Values (their data and labels are used; they are not modified).
            A row is named by the input's label, else by fn's parameter of that place
            (``lambda a, b: ...``), else ``input <index>``.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: tolerance relative to the numeric derivative; a row passes when
            |analytic − numeric| <= atol + rtol·|numeric|.

    Returns:
        A :class:`GradcheckReport` with one row per input.

    Raises:
        TypeError: if inputs are not numbers/Values or fn does not return a Value.
        ValueError: if there are no inputs or eps is not positive.
        ArithmeticError, ValueError: if fn fails at a shifted point (outside its domain);
            the message names the input and eps.

    Example:
        >>> report = gradcheck_report(lambda a, b: a / b, [1.0, 4.0])
        >>> report.passed, [round(r.analytic, 6) for r in report.rows]
        (True, [0.25, -0.0625])
    """
    if not (eps > 0.0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    leaves = _leaves(inputs)
    for v, name in zip(leaves, _parameter_names(fn, len(leaves))):
        v.label = v.label or name  # a number given for `lambda a, b: ...` is the row a
    out = _call(fn, leaves)
    analytic = gradients(out, leaves)
    base = [v.data for v in leaves]
    rows = []
    for i, v in enumerate(leaves):
        # NOTE: the shifted points are evaluated without recording a graph: only the
        # numbers matter there, and fresh leaves keep every call independent.
        try:
            with no_grad():
                up = _call(fn, [Value(x + eps if j == i else x) for j, x in enumerate(base)])
                down = _call(fn, [Value(x - eps if j == i else x) for j, x in enumerate(base)])
        except (ArithmeticError, ValueError) as err:
            name = v.label or f"input {i}"
            raise type(err)(
                f"gradcheck: fn cannot be evaluated at {name} = {v.data!r} ± eps = {eps!r} "
                f"({err}); use a smaller eps or a point further from the edge of the domain"
            ) from None
        up, down = up.data, down.data
        numeric = (up - down) / (2.0 * eps)
        err = abs(analytic[i] - numeric)
        tol = atol + rtol * abs(numeric)
        ok = err <= tol  # False for NaN as well
        rows.append(GradcheckRow(i, v.label, v.data, analytic[i], numeric, err, tol, ok))
    return GradcheckReport(tuple(rows), out.data, eps, atol, rtol)


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the engine's derivatives of ``fn`` at ``inputs`` against central differences.

    Args:
        fn: takes one Value per input and returns a Value.
        inputs: numbers or Values (not modified).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance (see :func:`gradcheck_report`).
        raise_exception: raise :class:`GradcheckError` on a mismatch instead of returning
            False.

    Returns:
        True if every derivative agrees; False if one does not and ``raise_exception`` is
        False.

    Raises:
        GradcheckError: on a mismatch (when ``raise_exception``); its message lists every
            input with its analytic and numeric derivative and the error.

    Example:
        >>> gradcheck(lambda x: x.sigmoid() * x, [0.3])
        True
    """
    report = gradcheck_report(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if report.passed:
        return True
    if raise_exception:
        raise GradcheckError(report.message(), report)
    return False
