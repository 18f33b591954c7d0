"""MLP.to_torch and MLP.from_torch: the same outputs and gradients as the engine, in float64."""

import math
import sys

import pytest

from autograd_lite.nn import MLP

torch = pytest.importorskip("torch")

# importing torch alone takes seconds; CI runs these with the rest
pytestmark = pytest.mark.slow
nn = torch.nn

X = [[0.5, -1.0, 2.0], [-0.3, 0.8, 0.1], [1.5, 0.2, -0.7], [0.0, 0.0, 0.0]]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize(
    "activation, output_activation",
    [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh"), ("linear", "relu")],
)
@pytest.mark.parametrize("sizes", [[4, 1], [5, 4, 2], [3]])
def test_outputs_and_gradients_agree(sizes, activation, output_activation):
    model = MLP(3, sizes, activation, output_activation, seed=7)
    seq = model.to_torch()
    for x in X:
        out = model(x)
        outs = out if isinstance(out, list) else [out]
        total = sum(o * (k + 1) for k, o in enumerate(outs))
        model.zero_grad()
        total.backward()
        seq.zero_grad()
        t_out = seq(torch.tensor([x], dtype=torch.float64))[0]
        assert all(close(o.data, t.item()) for o, t in zip(outs, t_out))
        (t_out * torch.arange(1, len(outs) + 1, dtype=torch.float64)).sum().backward()
        grads = []
        for m in seq:
            if isinstance(m, nn.Linear):
                for row, b in zip(m.weight.grad.tolist(), m.bias.grad.tolist()):
                    grads.extend([*row, b])
        assert all(close(p.grad, g) for p, g in zip(model.parameters(), grads))


def test_the_sequential_is_float64_and_matches_the_layers():
    seq = MLP(2, [16, 16, 1]).to_torch()
    kinds = [type(m).__name__ for m in seq]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert seq[0].weight.dtype == torch.float64
    model = MLP(2, [16, 16, 1])
    assert seq[2].weight[4, 7].item() == model.layers[1].neurons[4].w[7].data
    assert seq[4].bias[0].item() == model.layers[2].neurons[0].b.data


def test_a_round_trip_gives_the_same_parameters_and_activations():
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", seed=3)
    back = MLP.from_torch(model.to_torch())
    assert repr(back) == repr(model)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


def test_a_sequential_made_in_torch_reads_back():
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 3), nn.Identity()).double()
    model = MLP.from_torch(seq)
    assert model.layer_sizes == [6, 3] and model.activation == "tanh"
    assert model.output_activation == "linear"
    x = [0.25, -0.75]
    t = seq(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert all(close(o.data, v) for o, v in zip(model(x), t))


def test_two_linears_in_a_row_are_a_linear_hidden_layer():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    assert MLP.from_torch(seq).activation == "linear"


@pytest.mark.parametrize(
    "seq, error, words",
    [
        (lambda: nn.Linear(2, 3), TypeError, "Sequential"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1), nn.Linear(3, 1)), ValueError,
         "layer 1 is Dropout"),
        (lambda: nn.Sequential(nn.Conv1d(1, 1, 2)), ValueError, "Conv1d"),
        (lambda: nn.Sequential(nn.Linear(2, 3, bias=False)), ValueError, "no bias"),
        (lambda: nn.Sequential(nn.ReLU(), nn.Linear(2, 3)), ValueError, "before any Linear"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()), ValueError,
         "after another activation"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), ValueError, "takes 4 inputs"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(),
                               nn.Linear(3, 1)), ValueError, "different activations"),
        (lambda: nn.Sequential(), ValueError, "no Linear"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.GELU()), ValueError, "GELU"),
    ],
)  # fmt: skip
def test_unsupported_sequentials_are_refused_clearly(seq, error, words):
    with pytest.raises(error, match=words):
        MLP.from_torch(seq())


def test_non_finite_weights_are_refused():
    seq = nn.Sequential(nn.Linear(2, 1))
    with torch.no_grad():
        seq[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        MLP.from_torch(seq)


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"autograd-lite\[torch\]"):
        MLP(2, [1]).to_torch()


class DoubledLinear(nn.Linear):
    def forward(self, x):
        return 2 * super().forward(x)


class QuietIdentity(nn.Identity):
    pass


class ReLU(nn.Module):  # a class of the user's named ReLU, and leaky
    def forward(self, x):
        return torch.nn.functional.leaky_relu(x, 0.5)


def hooked():
    layer = nn.Linear(2, 3)
    layer.register_forward_hook(lambda module, args, out: out * 10)
    return layer


def short_weight():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(torch.zeros(4, 2))  # 4 rows where out_features is 3
    return layer


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: nn.Sequential(DoubledLinear(2, 1)), "DoubledLinear"),
        (lambda: nn.Sequential(nn.Linear(2, 3), QuietIdentity(), nn.Linear(3, 1)), "Quiet"),
        (lambda: nn.Sequential(nn.Linear(2, 3), ReLU(), nn.Linear(3, 1)), "test_torch_bridge.ReLU"),
        (lambda: nn.Sequential(nn.Linear(2, 1, dtype=torch.complex64)), "complex"),
        (lambda: nn.Sequential(hooked(), nn.Linear(3, 1)), "forward hook"),
        (lambda: nn.Sequential(short_weight(), nn.Linear(3, 1)), r"shape \(4, 2\)"),
    ],
)
def test_from_torch_refuses_modules_it_cannot_represent(make, words):
    with pytest.raises(ValueError, match=words):
        MLP.from_torch(make())


class DoubledSequential(nn.Sequential):
    def forward(self, x):
        return 2 * super().forward(x)


def patched():
    layer = nn.Linear(2, 1)
    layer.forward = lambda x: x * 0  # an instance's own forward
    return layer


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: DoubledSequential(nn.Linear(2, 1)), "subclass of Sequential"),
        (lambda: nn.Sequential(patched()), "forward of its own"),
        (lambda: nn.Sequential(nn.Linear(2, 1, device="meta")), "meta device"),
    ],
)
def test_from_torch_refuses_what_computes_other_than_its_type_says(make, words):
    with pytest.raises(ValueError, match=words):
        MLP.from_torch(make())
