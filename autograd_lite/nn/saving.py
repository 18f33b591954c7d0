"""Models as JSON: what a state holds, how it is checked, and how files are written and read.

A saved model is a JSON object::

    {"format": "autograd_lite.model", "version": 1,
     "architecture": {"type": "MLP", "n_inputs": 2, "layer_sizes": [16, 16, 1], ...},
     "parameters": {"w^2_1,1": 0.23..., "w^2_1,2": -0.87..., "b^2_1": 0.0, ...}}

with the parameters named by their Nielsen labels, in the model's parameter order. Never
pickle: a model file is plain text a person can read, and loading one runs no code.
A model builds its own state (``Module.state_dict``); this module only checks states and
writes and reads files. The models' methods ``save``, ``load_weights``, ``load_state_dict``
and ``MLP.load`` are built on its functions.

A file is untrusted input: :func:`read_state` turns every way it can be broken (not UTF-8,
not JSON, nested too deeply, a key given twice at any level) into a ``ValueError`` naming
the file, :func:`check_state` accepts exactly the four top-level keys with values of
exactly their types (``"version": true`` is not version 1), and :func:`mlp_architecture`
checks a saved MLP's sizes by arithmetic before anything is built, refusing networks of
more than :data:`MAX_PARAMETERS` parameters.

A save killed half-way leaves its temporary file behind (a rename that never happened);
the next save of the same path removes those whose writer is dead, and never one whose
writer is still running.
"""

from __future__ import annotations

import json
import math
import os
import stat
from typing import Any

from ..checks import is_finite_real, is_integer, short_repr
from ..files import write_atomically

__all__ = [
    "FORMAT",
    "VERSION",
    "KEYS",
    "MAX_PARAMETERS",
    "MAX_FILE_BYTES",
    "check_state",
    "write_state",
    "read_state",
    "mlp_parameter_count",
    "check_parameter_count",
    "mlp_architecture",
]

FORMAT = "autograd_lite.model"
VERSION = 1

MAX_PARAMETERS = 10_000_000
"""The most parameters a loaded model may have. A scalar engine holds each parameter as a
Python object (about 100 bytes) and a forward pass makes several nodes per weight, so ten
million is already far beyond anything it can train; a file asking for more is refused
before any memory is spent on it."""


MAX_FILE_BYTES = 32 * MAX_PARAMETERS + 2**20
"""The largest file :func:`read_state` reads (about 321 MB): room for every parameter of
the largest model written out in full (at most 25 characters each, with its separator) and
the rest of the file. A larger file is refused by its size, before a byte is read."""


KEYS = ("format", "version", "architecture", "parameters")
"""The top-level keys of a saved model, all of them and no others."""


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: ``true`` is not ``1`` and ``2.0`` is not ``2`` here, as they are
    for Python's ``==``; a file must say exactly what the model says."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def check_state(model: Any, state: Any, where: str | None = None) -> list[float]:
    """Check ``state`` against ``model`` and return the parameter values in order.

    Args:
        model: the module the state is for.
        state: a dict as made by ``Module.state_dict`` (perhaps read from a file).
        where: the file the state was read from, named in every message.

    Returns:
        One float per parameter of ``model``, in ``model.parameters()`` order.

    Raises:
        ValueError: if ``state`` is not a saved model (another format, a version that is
            not the integer 1, a missing or extra top-level key), has another architecture
            or other parameter names, or holds a value that is not a finite real number.
    """
    try:
        return _check_state(model, state)
    except ValueError as err:
        if where is None:
            raise
        raise ValueError(f"{where!r}: {err}") from None


def _check_state(model: Any, state: Any) -> list[float]:
    if not isinstance(state, dict):
        raise ValueError(
            f"not a saved model: expected a JSON object (dict), got {type(state).__name__}"
        )
    if not _same(state.get("format"), FORMAT) or not _same(state.get("version"), VERSION):
        raise ValueError(
            f"not a saved model: expected format {FORMAT!r} version {VERSION}, "
            f"got format {short_repr(state.get('format'))} "
            f"version {short_repr(state.get('version'))}"
        )
    if set(state) != set(KEYS):
        extra = [k for k in state if k not in KEYS]
        missing = [k for k in KEYS if k not in state]
        raise ValueError(
            f"not a saved model: it must have exactly the keys {', '.join(KEYS)}"
            + (f"; unexpected {', '.join(short_repr(k) for k in extra[:5])}" if extra else "")
            + (f"; missing {', '.join(missing)}" if missing else "")
        )
    arch = model._architecture()
    if not _same(state["architecture"], arch):
        raise ValueError(
            f"the saved model has another architecture: {str(state['architecture'])[:200]}; "
            f"this model is {arch!r}"
        )
    params = state["parameters"]
    names = [name for name, _ in model.named_parameters()]
    if not isinstance(params, dict) or list(params) != names:
        got = list(params) if isinstance(params, dict) else params
        raise ValueError(
            f"the saved parameters do not match the model: expected {len(names)} "
            f"named {names[:3]}..., got {str(got)[:200]}"
        )
    values = []
    for name, x in params.items():
        if not is_finite_real(x):
            raise ValueError(f"parameter {name} must be a finite real number, got {short_repr(x)}")
        values.append(float(x))
    return values


def write_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` as JSON to ``path`` through a temporary file and a rename.

    The rename replaces the old file in one step, so a crash while writing leaves the
    previous file whole. Temporary files that earlier saves of ``path`` left when they were
    killed are removed first (:func:`autograd_lite.files.remove_stale_temporaries`).

    Args:
        path: the file to write.
        state: a dict as made by ``Module.state_dict``.

    Raises:
        ValueError: if a parameter is NaN or infinite (JSON has no such numbers).
        OSError: if the folder cannot be written.
    """
    for name, x in state["parameters"].items():
        if not math.isfinite(x):
            raise ValueError(f"cannot save: parameter {name} is {x!r}, not a finite number")
    text = json.dumps(state, indent=1) + "\n"
    write_atomically(path, text)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a model can hold")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json keeps the last silently)."""
    state = dict(pairs)
    if len(state) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {short_repr(key)} is given twice")
            seen.add(key)
    return state


def _too_large(where: str, size: int) -> ValueError:
    return ValueError(
        f"{where!r} is not a saved model: it holds {size:,} bytes or more, and the largest "
        f"model file is {MAX_FILE_BYTES:,} bytes"
    )


def read_state(path: str | os.PathLike) -> Any:
    """Read a saved model's JSON from ``path`` (not yet checked against any model).

    Args:
        path: the JSON file.

    Returns:
        The decoded JSON (a dict for a real model file).

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file is not UTF-8 text, not valid JSON (for example truncated),
            nested too deeply to be a model, larger than :data:`MAX_FILE_BYTES`, holds NaN or
            Infinity, or gives a key twice in any object. The message names the file.
    """
    where = os.fspath(path)
    try:
        # a pipe, a device or a folder is refused before it is opened: reading one could
        # wait for ever or never end
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{where!r} is not a saved model: it is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(where, info.st_size)
        with open(path, encoding="utf-8") as f:
            text = f.read(MAX_FILE_BYTES + 1)  # a file that grows after the check stops here
        if len(text) > MAX_FILE_BYTES:
            raise _too_large(where, len(text))
    except FileNotFoundError:
        raise FileNotFoundError(f"no saved model at {where!r}") from None
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{where!r} is not a saved model: it is not UTF-8 text (byte {err.start} is "
            f"{err.object[err.start : err.start + 1]!r})"
        ) from None
    except MemoryError:
        raise ValueError(f"{where!r} is too large to be a saved model") from None
    except OSError as err:  # a symbolic-link loop, a read error, no permission
        raise ValueError(f"{where!r} cannot be read: {err.strerror or err}") from None
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except json.JSONDecodeError as err:
        raise ValueError(f"{where!r} is not valid JSON (is it truncated?): {err}") from None
    except RecursionError:
        # A model file is nested three levels deep; Python's decoder recurses per level.
        raise ValueError(
            f"{where!r} is not a saved model: its JSON is nested too deeply to read"
        ) from None
    except MemoryError:
        raise ValueError(f"{where!r} is too large to be a saved model") from None
    except ValueError as err:
        raise ValueError(f"{where!r}: {err}") from None


def _is_count(x: Any) -> bool:
    return is_integer(x) and x >= 1


def mlp_parameter_count(
    n_inputs: int, layer_sizes: list[int], *, stop_above: int | None = None
) -> int:
    """How many parameters ``MLP(n_inputs, layer_sizes)`` has, by arithmetic alone.

    Args:
        n_inputs: number of inputs.
        layer_sizes: the width of each layer of neurons.
        stop_above: stop adding as soon as the count exceeds this, and return that partial
            count (already too many): a file with millions of layers is refused after at most
            a few million additions.

    Returns:
        Σ over layers of (inputs + 1) × width: each neuron has one weight per input and a bias.

    Example:
        >>> mlp_parameter_count(2, [16, 16, 1])
        337
    """
    count = 0
    for fan_in, width in zip([n_inputs, *layer_sizes], layer_sizes):
        count += (fan_in + 1) * width
        if stop_above is not None and count > stop_above:
            break
    return count


def check_parameter_count(n_inputs: int, layer_sizes: list[int]) -> int:
    """Refuse a network of more than :data:`MAX_PARAMETERS` parameters, by arithmetic alone.

    Models check their sizes with it before they make a single parameter, and the loader
    checks a file's architecture with it before it builds anything.

    Args:
        n_inputs: number of inputs (a whole number, checked already).
        layer_sizes: the width of each layer of neurons (whole numbers, checked already).

    Returns:
        The number of parameters.

    Raises:
        ValueError: if there would be more than :data:`MAX_PARAMETERS`.

    Example:
        >>> check_parameter_count(2, [16, 16, 1])
        337
        >>> check_parameter_count(2, [10**12])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: a network with n_inputs=2 and layer_sizes=[1000000000000] would have ...
    """
    # Python integers do not overflow; the count stops as soon as it passes the cap.
    count = mlp_parameter_count(n_inputs, layer_sizes, stop_above=MAX_PARAMETERS)
    if count > MAX_PARAMETERS:
        sizes = ", ".join(short_repr(s) for s in layer_sizes[:10])
        more = ", ..." if len(layer_sizes) > 10 else ""
        raise ValueError(
            f"a network with n_inputs={short_repr(n_inputs)} and layer_sizes=[{sizes}{more}] "
            f"would have more than {MAX_PARAMETERS:,} parameters: too large for a scalar engine"
        )
    return count


def mlp_architecture(state: Any, where: str) -> dict[str, Any]:
    """Check that ``state`` is a saved MLP of a sane size, before building anything.

    The number of parameters the architecture needs is computed from the sizes and compared
    with the file's parameters, so a small file that claims a huge network costs nothing.

    Args:
        state: the decoded JSON, as returned by :func:`read_state`.
        where: the file's name, for messages.

    Returns:
        The ``"architecture"`` dict, with ``n_inputs`` and ``layer_sizes`` checked.

    Raises:
        ValueError: if the state is not an MLP, its sizes are not positive integers, it
            would have more than :data:`MAX_PARAMETERS` parameters, or the file holds another
            number of parameters than its architecture needs.
    """
    arch = state.get("architecture") if isinstance(state, dict) else None
    if not isinstance(arch, dict) or arch.get("type") != "MLP":
        raise ValueError(f"{where!r} is not a saved MLP")
    n_inputs, sizes = arch.get("n_inputs"), arch.get("layer_sizes")
    if (
        not _is_count(n_inputs)
        or not isinstance(sizes, list)
        or not sizes
        or not all(_is_count(s) for s in sizes)
    ):
        raise ValueError(
            f"{where!r} has a bad architecture: n_inputs must be a positive integer and "
            f"layer_sizes a non-empty list of them, got n_inputs={n_inputs!r}, "
            f"layer_sizes={str(sizes)[:200]}"
        )
    try:
        count = check_parameter_count(n_inputs, sizes)
    except ValueError as err:
        raise ValueError(f"{where!r} is refused: it describes {err}") from None
    params = state.get("parameters")
    got = len(params) if isinstance(params, dict) else None
    if got != count:
        raise ValueError(
            f"{where!r}: the saved parameters do not match its architecture, which needs "
            f"{count} parameters; the file holds "
            + (f"{got}" if got is not None else f"no parameter table ({type(params).__name__})")
        )
    return arch
