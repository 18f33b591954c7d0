"""Error messages of the engine: what went wrong, in which operation, on which values.

Every message names the operation (or the node), the operand values and their labels, so a
learner can find the place in their own formula.
"""

from __future__ import annotations

import math

from .ops import NARY, OPS


def describe(v) -> str:
    """A Value as an error message names it: its value, and its label if it has one."""
    if v.label:
        return f"{v.data!r} (label {v.label!r})"
    return repr(v.data)


MAX_NAMED_OPERANDS = 8
"""An error message lists at most this many operands of one operation, then says how many
more there are (a weighted sum may have thousands)."""


def operand_names(prim, n: int) -> list[str]:
    """The names of ``n`` operands of ``prim`` in messages: its operand names in order, or,
    for the weighted sum's n weights, n inputs and bias, ``w_1 … w_n, a_1 … a_n, b``."""
    names = prim.operand_names
    if prim.name == "wsum" and n % 2 == 1:
        k = n // 2
        return [*(f"w_{i}" for i in range(1, k + 1)), *(f"a_{i}" for i in range(1, k + 1)), "b"]
    return [names[i] if i < len(names) else f"x{i + 1}" for i in range(n)]


def _shown_operands(prim, operands) -> str:
    """``"a = 1.0, b = 0.0"``: the operands by name, a weighted sum's pair by pair
    (``w_1, a_1, w_2, a_2, …, b``); past :data:`MAX_NAMED_OPERANDS`, the first ones, how
    many more, and the last."""
    shown = list(zip(operand_names(prim, len(operands)), operands))
    if prim.name == "wsum" and len(shown) % 2 == 1:
        k = len(shown) // 2
        shown = [*(x for pair in zip(shown[:k], shown[k:-1]) for x in pair), shown[-1]]
    more = len(shown) - MAX_NAMED_OPERANDS
    parts = [f"{name} = {describe(v)}" for name, v in shown[: MAX_NAMED_OPERANDS - 1]]
    if more > 0:
        parts.append(f"… {more} more …")
    name, v = shown[-1]
    if len(shown) >= MAX_NAMED_OPERANDS:
        parts.append(f"{name} = {describe(v)}")
    return ", ".join(parts)


def operand_error(op: str, operands, err: Exception) -> Exception:
    """Rewrite a math error so it names the operation and the operands (values, labels)."""
    prim = OPS[op]
    parts = _shown_operands(prim, operands)
    reason = str(err) or type(err).__name__
    if isinstance(err, OverflowError):
        reason = "the result is too large for a float (at most about 1.8e308)"
    return type(err)(f"{op}: cannot compute {prim.template} with {parts}: {reason}")


def non_finite(op: str, operands: tuple, r: float) -> None:
    """Refuse a NaN result, and an infinite one that finite operands overflowed into."""
    if r != r:
        raise operand_error(op, operands, ValueError("the result is not a number (NaN)"))
    if all(math.isfinite(o.data) for o in operands):
        raise operand_error(op, operands, OverflowError("the result is too large for a float"))


def non_finite_gradient(node, g: float) -> Exception:
    """An infinite or NaN adjoint found before any grad was changed."""
    kind = OverflowError if g == g else ValueError
    return kind(
        f"backward: the gradient of the node {describe(node)}"
        f"{' (op ' + repr(node.op) + ')' if node.op else ''} is {g!r}: a local derivative "
        "of an operation that uses it is not a finite number here (for example log or "
        "division at a value very close to 0), or the gradient is too large for a float; "
        "no grad was changed"
    )


def arity_error(node, grads) -> RuntimeError:
    """A rule that returned the wrong number of gradients (a bug in the ops table)."""
    return RuntimeError(
        f"the rule of primitive {node.op!r} returned {len(grads)} gradient(s) "
        f"for {len(node.parents)} operand(s); a rule returns one gradient per operand"
    )


def backward_error(node, err: Exception) -> Exception:
    """Rewrite a math error raised by a rule so it names the node and its derivative."""
    prim = OPS[node.op]
    args = ", ".join(describe(p) for p in node.parents)
    return type(err)(
        f"backward through {node.op}({args}) failed: the local derivative "
        f"({'; '.join(prim.derivatives)}) is not a finite number here ({err})"
    )


def misuse(prim, operands, err: Exception) -> TypeError:
    """Say why a primitive could not read its operands: not Values, or not as many as it takes."""
    if type(operands) is not tuple:
        return TypeError(f"{prim.name}: operands must be a tuple, got {type(operands).__name__}")
    for i, o in enumerate(operands):
        if not hasattr(o, "parents"):
            return TypeError(
                f"{prim.name}: operands[{i}] must be a Value, got {type(o).__name__}: {o!r}; "
                "wrap a number as Value(x)"
            )
    if prim.arity != NARY and len(operands) != prim.arity:
        return TypeError(f"{prim.name} takes {prim.arity} operand(s), got {len(operands)}")
    return TypeError(f"{prim.name}: {err}")
