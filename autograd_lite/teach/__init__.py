"""Checking and explaining gradients: what a learner checking their backprop math needs.

* :mod:`~autograd_lite.teach.explain`: ``explain(root, wrt)``, a derivative as the sum over
  chain-rule paths of the products of local derivatives;
* :mod:`~autograd_lite.teach.bp_equations`: Nielsen's four equations (BP1-BP4) on an MLP;
* :mod:`~autograd_lite.teach.gradcheck`: the engine against central finite differences;
* :mod:`~autograd_lite.teach.derivative_tables`: the Jacobian of several outputs and the
  Hessian of one, as tables by name;
* :mod:`~autograd_lite.teach.diagnosis`: ``diagnose``, "where is my mistake?": a hand-derived
  formula matched term by term to the chain-rule paths, naming missing and extra factors
  (loaded on first use: it needs the formula reader);
* :mod:`~autograd_lite.teach.traces`: Baydin et al.'s evaluation, tangent and adjoint trace
  tables.

The views that walk a pass (the trace tables, explain's sum over paths) replay the engine's
own steps, :func:`~autograd_lite.engine.backward_steps` and
:func:`~autograd_lite.forward.forward_steps`, so they end where ``backward()`` and ``jvp``
do, to the last bit.

Example:
    >>> from autograd_lite import Value
    >>> from autograd_lite.teach import explain
    >>> x = Value(3.0, label="x")
    >>> explain(x * x, x).total
    6.0
"""

from .bp_equations import BackpropTable, EquationRow, backprop_equations, backprop_table
from .derivative_tables import hessian_table, jacobian_table
from .explain import Edge, Explanation, Path, explain
from .gradcheck import GradcheckError, GradcheckReport, GradcheckRow, gradcheck, gradcheck_report

__all__ = [
    "Edge",
    "Path",
    "Explanation",
    "explain",
    "EquationRow",
    "BackpropTable",
    "backprop_equations",
    "backprop_table",
    "GradcheckError",
    "GradcheckRow",
    "GradcheckReport",
    "gradcheck",
    "gradcheck_report",
    "jacobian_table",
    "hessian_table",
    "diagnose",
    "Diagnosis",
    "IndexedDiagnosis",
    "TermReport",
    "PathReport",
]


def __getattr__(name: str):
    # The diagnosis reads typed formulas; loading the formula reader only when it is asked
    # for keeps `import autograd_lite` fast.
    if name in ("diagnose", "Diagnosis", "IndexedDiagnosis", "TermReport", "PathReport"):
        from . import diagnosis

        value = globals()[name] = getattr(diagnosis, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
