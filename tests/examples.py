"""Networks that several test files check, built in one place.

A plain module, not a test file: pytest puts ``tests/`` on ``sys.path`` (rootdir, prepend
import mode), so a test imports it as ``from examples import worked_example``.
"""

from autograd_lite import Value


def worked_example(*, share_hidden: bool = True) -> tuple[Value, dict[str, Value]]:
    """The learner's 1-2-1 sigmoid network, input 1, every weight 0.5, every bias 1.

    ``O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)`` with s the sigmoid.

    Args:
        share_hidden: build the hidden neuron ``s(I*w1+1)`` once and use it twice, as a
            network does; False builds the formula exactly as typed, with two copies of it,
            which is the graph the command line's formula reader makes.

    Returns:
        ``(O, leaves)``: the output, labelled ``"O"``, and the six leaves by label (``"I"``,
        ``"w1"`` ... ``"w5"``).

    Example:
        >>> out, leaves = worked_example()
        >>> round(out.data, 12), sorted(leaves)
        (0.858583510611, ['I', 'w1', 'w2', 'w3', 'w4', 'w5'])
    """
    leaves = {"I": Value(1.0, label="I")}
    leaves.update((f"w{k}", Value(0.5, label=f"w{k}")) for k in range(1, 6))
    I, w1, w2, w3, w4, w5 = leaves.values()

    def s(x: Value) -> Value:
        return x.sigmoid()

    if share_hidden:
        h = s(I * w1 + 1)
        out = s(s(h * w2 + 1) * w4 + s(h * w3 + 1) * w5 + 1)
    else:
        out = s(s(s(I * w1 + 1) * w2 + 1) * w4 + s(s(I * w1 + 1) * w3 + 1) * w5 + 1)
    out.label = "O"
    return out, leaves
