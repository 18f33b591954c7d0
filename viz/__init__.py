"""Drawing computation graphs of autograd_lite: Graphviz pictures and a backward-pass stepper.

``viz`` depends on ``autograd_lite`` and the ``graphviz`` Python package (install with the
``viz`` extra); the engine never imports it. Rendering pictures needs Graphviz's ``dot``
program.

Every drawing takes its options as one :class:`DrawingOptions`:
``draw(y, options=DrawingOptions(rankdir="TB"))``, and so :func:`to_dot`, :func:`render`,
:func:`to_tikz`, :func:`stepper`, :func:`forward_stepper` and :func:`beamer`.

For the lecture, :func:`to_tikz` writes the same picture as TikZ source for LaTeX, and
:func:`beamer` a Beamer deck with one frame per step of the backward pass; in a notebook,
``stepper(root)`` without a path shows the stepper page inline. :func:`forward_stepper` is
its twin for forward mode: tangents flowing from one input to the output. Both play the steps
of the library's one backward loop (:func:`autograd_lite.engine.backward_steps`) and of its
forward-mode loop (:func:`autograd_lite.forward.forward_steps`), put in words by
:func:`backward_step_texts` and :func:`forward_step_texts`.

Training you can watch: :func:`training_page` draws what ``fit(..., record=N)`` recorded
(``training_page(history, path)``) as one offline page with a slider, TensorFlow Playground
style, and :class:`LiveView` redraws the run in a notebook as it trains
(``fit(..., observers=[LiveView()])``).

A drawing never hangs: :mod:`viz.limits` refuses graphs whose layout would take Graphviz long
(:class:`LayoutTooSlowError`) and stops ``dot`` after ``time_limit`` seconds
(:class:`DotTimeoutError`). Files and pages are written atomically.

Example:
    >>> from autograd_lite import Value
    >>> from viz import draw, to_dot
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> draw(y).source == to_dot(y)
    True
"""

from .beamer import DEFAULT_MAX_STEPS, beamer
from .dot import (
    DEFAULT_MAX_NODES,
    DotNotFoundError,
    DrawingOptions,
    GraphTooLargeError,
    draw,
    render,
    to_dot,
)
from .forward_stepper import forward_step_texts, forward_stepper, mode_costs
from .latex import LatexError, LatexNotFoundError
from .limits import DEFAULT_TIME_LIMIT, DotTimeoutError, LayoutTooSlowError
from .stepper import StepperPage, StepText, backward_step_texts, stepper, stepper_ids
from .tikz import to_tikz
from .training import LiveView, TrainingPage, training_page

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TIME_LIMIT",
    "DotNotFoundError",
    "DotTimeoutError",
    "DrawingOptions",
    "GraphTooLargeError",
    "LatexError",
    "LatexNotFoundError",
    "LayoutTooSlowError",
    "LiveView",
    "StepText",
    "StepperPage",
    "TrainingPage",
    "backward_step_texts",
    "draw",
    "forward_step_texts",
    "forward_stepper",
    "mode_costs",
    "render",
    "beamer",
    "stepper",
    "stepper_ids",
    "to_dot",
    "to_tikz",
    "training_page",
]
