"""A number not known yet: the data of a Value that stands for any sample's number.

The compiled path (:mod:`autograd_lite.compiled`) runs a per-sample function once, on
Values whose ``data`` is :data:`UNKNOWN`: the sample's inputs, its label and the
parameters. An operation on such a Value makes a node whose number is unknown too
(:func:`autograd_lite.engine.apply` sees to it), so the graph is built as usual. But any
use of the number itself (``.data`` compared, branched on, converted, formatted or
computed with) raises :class:`UnknownRead`: as ``jax.jit`` refuses Python control flow on
traced values, a program replayed for every sample cannot hold a choice made on one
sample's numbers, nor a number computed from them outside the graph.

Example:
    >>> from autograd_lite import Value
    >>> x = Value(0.0, label="x")
    >>> x.data = UNKNOWN
    >>> y = (x * 2.0).relu()          # the graph is built
    >>> y.op, y.data
    ('relu', <unknown number>)
    >>> try:
    ...     y.data > 0                # the number is not there to read
    ... except UnknownRead:
    ...     print("refused")
    refused
"""

from __future__ import annotations

__all__ = ["UNKNOWN", "Unknown", "UnknownRead", "known"]


class UnknownRead(TypeError):
    """A number not known yet was used as a number (a TypeError: it has no value)."""


MESSAGE = (
    "the number of a value that depends on the sample or the parameters is not known while "
    "the function is traced: it was compared, branched on, converted or computed with "
    "outside the graph"
)


def _refuse(*args: object) -> None:
    raise UnknownRead(MESSAGE)


class Unknown:
    """The data of a Value whose number is not known yet: every use as a number raises
    :class:`UnknownRead`; only its ``repr`` (which shows no number) is allowed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown number>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        """Its repr for ``{}``; a number format has no number to show (UnknownRead)."""
        if spec:
            _refuse()
        return repr(self)

    __bool__ = __float__ = __int__ = __index__ = __complex__ = __hash__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _refuse
    __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _refuse
    __neg__ = __pos__ = __abs__ = __round__ = __trunc__ = __floor__ = __ceil__ = _refuse
    __array__ = _refuse


UNKNOWN = Unknown()
"""The one unknown number (compare with ``is``)."""


def known(*values: object) -> bool:
    """True when none of ``values`` (Values, or anything else) holds :data:`UNKNOWN`.

    A Value's truth and its ``==`` ask this first: a label or an input is a number when the
    engine runs the code and a Value standing for it when the code is traced, so ``if t:``
    or ``t == 1`` would quietly take one branch for every sample.

    Raises:
        UnknownRead: if one does.
    """
    for v in values:
        if getattr(v, "data", None) is UNKNOWN:
            _refuse()
    return True
