"""Models as JSON: what a state holds, how it is checked, and how files are written and read.

A saved model is a JSON object::

    {"format": "autograd_lite.model", "version": 1,
     "architecture": {"type": "MLP", "n_inputs": 2, "layer_sizes": [16, 16, 1], ...},
     "parameters": {"w^2_1,1": 0.23..., "w^2_1,2": -0.87..., "b^2_1": 0.0, ...}}

with the parameters named by their Nielsen labels, in the model's parameter order. Never
pickle: a model file is plain text a person can read, and loading one runs no code.
The models' own methods (``save``, ``load_weights``, ``state_dict``, ``load_state_dict``,
``MLP.load`` in :mod:`autograd_lite.nn`) are built on these functions.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any

__all__ = ["FORMAT", "VERSION", "make_state", "check_state", "write_state", "read_state"]

FORMAT = "autograd_lite.model"
VERSION = 1


def make_state(model) -> dict[str, Any]:
    """The JSON-ready state of ``model``: format, architecture and named parameter values."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model._architecture(),
        "parameters": {name: p.data for name, p in model.named_parameters()},
    }


def check_state(model, state) -> list[float]:
    """Check ``state`` against ``model`` and return the parameter values in order.

    Args:
        model: the module the state is for.
        state: a dict as made by :func:`make_state` (perhaps read from a file).

    Returns:
        One float per parameter of ``model``, in ``model.parameters()`` order.

    Raises:
        ValueError: if ``state`` is not a saved model, has another architecture or other
            parameter names, or holds a value that is not a finite real number.
    """
    if not isinstance(state, dict):
        raise ValueError(
            f"not a saved model: expected a JSON object (dict), got {type(state).__name__}"
        )
    if state.get("format") != FORMAT or state.get("version") != VERSION:
        raise ValueError(
            f"not a saved model: expected format {FORMAT!r} version {VERSION}, "
            f"got format {state.get('format')!r} version {state.get('version')!r}"
        )
    arch = model._architecture()
    if state.get("architecture") != arch:
        raise ValueError(
            f"the saved model has another architecture: {state.get('architecture')!r}; "
            f"this model is {arch!r}"
        )
    params = state.get("parameters")
    names = [name for name, _ in model.named_parameters()]
    if not isinstance(params, dict) or list(params) != names:
        got = list(params) if isinstance(params, dict) else params
        raise ValueError(
            f"the saved parameters do not match the model: expected {len(names)} "
            f"named {names[:3]}..., got {str(got)[:200]}"
        )
    values = []
    for name, x in params.items():
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
            raise ValueError(f"parameter {name} must be a finite real number, got {x!r}")
        values.append(float(x))
    return values


def write_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` as JSON to ``path`` through a temporary file and a rename.

    The rename replaces the old file in one step, so a crash while writing leaves the
    previous file whole.

    Raises:
        ValueError: if a parameter is NaN or infinite (JSON has no such numbers).
        OSError: if the folder cannot be written.
    """
    for name, x in state["parameters"].items():
        if not math.isfinite(x):
            raise ValueError(f"cannot save: parameter {name} is {x!r}, not a finite number")
    text = json.dumps(state, indent=1)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    name = f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    tmp = os.path.join(folder, name)
    # O_EXCL: never write through someone else's file; mode 0o666 less the umask, as for
    # any file the user creates (tempfile's would be private to its owner)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number a model can hold")


def read_state(path: str | os.PathLike) -> Any:
    """Read a saved model's JSON from ``path`` (not yet checked against any model).

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file is not valid JSON (for example truncated) or holds NaN or
            Infinity.
    """
    where = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no saved model at {where!r}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where!r} is not valid JSON (is it truncated?): {err}") from None
    except ValueError as err:
        raise ValueError(f"{where!r}: {err}") from None
