"""Saving and loading models: JSON round trips, and every bad file leaving the model as it was."""

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from autograd_lite.nn import MLP, Layer, Neuron


def data_of(model):
    return [p.data for p in model.parameters()]


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    return path


def edit(path, change):
    state = json.loads(path.read_text())
    change(state)
    path.write_text(json.dumps(state))


def test_save_then_load_gives_the_same_network(tmp_path):
    model = MLP(2, [4, 2], activation="tanh", output_activation="sigmoid", seed=3)
    model.save(tmp_path / "m.json")
    loaded = MLP.load(tmp_path / "m.json")
    assert repr(loaded) == repr(model)
    assert data_of(loaded) == data_of(model)
    assert [v.data for v in loaded([0.3, -0.7])] == [v.data for v in model([0.3, -0.7])]


def test_saved_file_is_json_with_architecture_and_named_parameters(saved):
    state = json.loads(saved.read_text())
    assert state["architecture"] == {
        "type": "MLP",
        "n_inputs": 2,
        "layer_sizes": [3, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    assert list(state["parameters"])[:3] == ["w^2_11", "w^2_12", "b^2_1"]
    assert list(state["parameters"].values()) == data_of(MLP(2, [3, 1], seed=1))


def test_state_dict_round_trip_into_another_model():
    source, target = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
    target.load_state_dict(source.state_dict())
    assert data_of(target) == data_of(source)


def test_load_weights_sets_an_existing_model(saved):
    model = MLP(2, [3, 1], seed=9)
    model.load_weights(saved)
    assert data_of(model) == data_of(MLP(2, [3, 1], seed=1))


def test_neuron_and_layer_states_round_trip():
    for make in (lambda s: Neuron(3, "tanh", seed=s), lambda s: Layer(2, 3, seed=s)):
        target = make(2)
        target.load_state_dict(make(1).state_dict())
        assert data_of(target) == data_of(make(1))


def test_save_replaces_an_existing_file_and_leaves_no_temporary_file(saved):
    MLP(2, [3, 1], seed=5).save(saved)
    assert data_of(MLP.load(saved)) == data_of(MLP(2, [3, 1], seed=5))
    assert os.listdir(saved.parent) == ["model.json"]


def test_failed_save_keeps_the_previous_file(saved):
    before = saved.read_text()
    model = MLP(2, [3, 1])
    model.parameters()[4].data = float("inf")
    with pytest.raises(ValueError, match=r"w\^2_22 is inf"):
        model.save(saved)
    assert saved.read_text() == before
    assert os.listdir(saved.parent) == ["model.json"]


# --- bad files: a clear error and an untouched model ----------------------------------------


def check_refused(path, error, match):
    model = MLP(2, [3, 1], seed=9)
    before = data_of(model)
    with pytest.raises(error, match=match):
        model.load_weights(path)
    assert data_of(model) == before
    with pytest.raises(error, match=match):
        MLP.load(path)


def test_missing_file(tmp_path):
    check_refused(tmp_path / "nothing.json", FileNotFoundError, "no saved model")


def test_truncated_file(saved):
    saved.write_text(saved.read_text()[:-40])
    check_refused(saved, ValueError, "not valid JSON")


def test_file_of_another_architecture(tmp_path):
    path = tmp_path / "wide.json"
    MLP(2, [4, 1]).save(path)
    model = MLP(2, [3, 1], seed=9)
    before = data_of(model)
    with pytest.raises(ValueError, match="another architecture"):
        model.load_weights(path)
    assert data_of(model) == before


def test_file_with_a_missing_parameter(saved):
    edit(saved, lambda s: s["parameters"].pop("b^3_1"))
    check_refused(saved, ValueError, "do not match")


@pytest.mark.parametrize("bad", ["0.5", None, True, [1.0], 10**400])
def test_file_with_a_non_number_in_the_last_parameter(saved, bad):
    edit(saved, lambda s: s["parameters"].__setitem__("b^3_1", bad))
    check_refused(saved, ValueError, r"b\^3_1 must be a finite real number")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_file_with_nan_or_infinity(saved, constant):
    saved.write_text(saved.read_text().replace('"b^3_1": 0.0', f'"b^3_1": {constant}'))
    assert constant in saved.read_text()
    check_refused(saved, ValueError, "not a number")


def test_json_that_is_not_a_saved_model(saved):
    saved.write_text("[1, 2, 3]")
    check_refused(saved, ValueError, "not a saved")


def test_load_state_dict_of_another_format_is_refused():
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="not a saved model"):
        model.load_state_dict({"parameters": {}})


def test_mlp_load_refuses_a_saved_layer(tmp_path):
    Layer(2, 3).save(tmp_path / "layer.json")
    with pytest.raises(ValueError, match="is not a saved MLP"):
        MLP.load(tmp_path / "layer.json")


def test_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    MLP(2, [1]).save(tmp_path / "m.json")
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~umask


def write_json(path, state):
    path.write_text(json.dumps(state))
    return path


def mlp_state(n_inputs, layer_sizes, parameters):
    return {
        "format": "autograd_lite.model",
        "version": 1,
        "architecture": {
            "type": "MLP",
            "n_inputs": n_inputs,
            "layer_sizes": layer_sizes,
            "activation": "relu",
            "output_activation": "linear",
        },
        "parameters": parameters,
    }


def test_mlp_load_refuses_a_huge_architecture_before_building_it(tmp_path):
    # 2 × 3000·3001 parameters are trivial to count but absurd to build; a
    # 200-byte file claiming them must be refused at once, not after a MemoryError.
    path = write_json(tmp_path / "huge.json", mlp_state(3000, [3000, 3000], {}))
    with pytest.raises(ValueError, match="more than 10,000,000 parameters"):
        MLP.load(path)


def test_mlp_load_compares_the_parameter_count_before_building(tmp_path, monkeypatch):
    path = write_json(tmp_path / "empty.json", mlp_state(300, [300, 300], {}))
    built = []
    monkeypatch.setattr(MLP, "__init__", lambda self, *a, **k: built.append(a))
    with pytest.raises(ValueError, match="needs 180600 parameters; the file holds 0"):
        MLP.load(path)
    assert built == []


@pytest.mark.parametrize(
    "n_inputs, sizes", [(0, [1]), (2, []), (2, [1.5]), (True, [1]), (2, "16"), (2, [-3])]
)
def test_mlp_load_refuses_bad_sizes_with_a_clear_error(tmp_path, n_inputs, sizes):
    path = write_json(tmp_path / "bad.json", mlp_state(n_inputs, sizes, {}))
    with pytest.raises(ValueError, match="bad architecture"):
        MLP.load(path)


def test_mlp_parameter_count_matches_a_built_network():
    from autograd_lite.nn.saving import mlp_parameter_count

    assert mlp_parameter_count(3, [4, 5, 2]) == len(MLP(3, [4, 5, 2]).parameters())


def test_mlp_parameter_count_stops_once_past_the_cap():
    from autograd_lite.nn.saving import mlp_parameter_count

    # the first layer alone has 2·10^6 parameters: the other million layers are not added
    assert mlp_parameter_count(1, [10**6] * 10**6, stop_above=10) == 2 * 10**6


def test_a_module_builds_its_own_state_and_loads_it_back():
    from autograd_lite import Value
    from autograd_lite.nn import Module

    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.5, label="a"), Value(-2.0, label="b")

        def parameters(self):
            return [self.a, self.b]

        def named_parameters(self):
            yield from (("a", self.a), ("b", self.b))

        def _architecture(self):
            return {"type": "Pair"}

    state = Pair().state_dict()
    assert state["architecture"] == {"type": "Pair"}
    assert state["parameters"] == {"a": 1.5, "b": -2.0}
    other = Pair()
    other.a.data = other.b.data = 0.0
    other.load_state_dict(json.loads(json.dumps(state)))
    assert data_of(other) == [1.5, -2.0]


def test_deeply_nested_json_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    check_refused(path, ValueError, "deep.json.*nested too deeply")


def test_a_file_that_is_not_utf8_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"format": "caf\xe9"}')
    check_refused(path, ValueError, r"latin1.json.*not UTF-8 text \(byte 15")


# --- the file says exactly what a model says, once -----------------------------------------


def test_a_400_digit_parameter_is_a_short_value_error_naming_the_file(saved):
    saved.write_text(saved.read_text().replace('"b^3_1": 0.0', '"b^3_1": 1' + "0" * 399))
    model = MLP(2, [3, 1], seed=9)
    for load in (model.load_weights, MLP.load):
        with pytest.raises(ValueError, match=r"model.json.*b\^3_1.*400-digit number") as info:
            load(saved)
        assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    "text, old, new",
    [
        ("parameters", '"parameters": {', '"parameters": {}, "parameters": {'),
        (
            "format",
            '"format": "autograd_lite.model"',
            '"format": "x", "format": "autograd_lite.model"',
        ),
        ("b^3_1", '"b^3_1": 0.0', '"b^3_1": 1.0, "b^3_1": 0.0'),
        ("type", '"type": "MLP"', '"type": "MLP", "type": "MLP"'),
    ],
    ids=["parameters", "format", "a parameter name", "in the architecture"],
)
def test_a_key_given_twice_anywhere_is_refused(saved, text, old, new):
    content = saved.read_text().replace(" ", "").replace("\n", "")
    old, new = old.replace(" ", ""), new.replace(" ", "")
    assert old in content
    saved.write_text(content.replace(old, new, 1))
    check_refused(saved, ValueError, rf"model.json.*key '{re.escape(text)}' is given twice")


def test_an_extra_top_level_key_is_refused(saved):
    edit(saved, lambda s: s.__setitem__("comment", "trained on Tuesday"))
    check_refused(saved, ValueError, "model.json.*unexpected 'comment'")


def test_a_missing_top_level_key_is_refused():
    state = MLP(2, [3, 1]).state_dict()
    del state["architecture"]
    with pytest.raises(ValueError, match="missing architecture"):
        MLP(2, [3, 1]).load_state_dict(state)


@pytest.mark.parametrize("version", [True, 1.0, "1", [1]])
def test_the_version_must_be_the_integer_one(saved, version):
    edit(saved, lambda s: s.__setitem__("version", version))
    check_refused(saved, ValueError, "model.json.*version")


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.__setitem__("n_inputs", True),
        lambda a: a.__setitem__("n_inputs", 2.0),
        lambda a: a.__setitem__("layer_sizes", [3, True]),
    ],
    ids=["bool n_inputs", "float n_inputs", "bool size"],
)
def test_an_architecture_of_booleans_or_floats_is_not_the_models(tmp_path, change):
    path = tmp_path / "n.json"
    Layer(1, 1, seed=1).save(path)
    layer = Layer(1, 1, seed=2)
    edit(path, lambda s: s["architecture"].__setitem__("n_inputs", True))
    with pytest.raises(ValueError, match="n.json.*another architecture"):
        layer.load_weights(path)
    edit_mlp = tmp_path / "m.json"
    MLP(2, [3, 1]).save(edit_mlp)
    edit(edit_mlp, lambda s: change(s["architecture"]))
    with pytest.raises(ValueError, match="m.json.*architecture"):
        MLP.load(edit_mlp)
    with pytest.raises(ValueError, match="m.json.*architecture"):
        MLP(2, [3, 1]).load_weights(edit_mlp)


# --- saves killed half-way ------------------------------------------------------------------

_SAVE_AND_HANG = """
import os, sys, time
import autograd_lite.files as files
from autograd_lite.nn import MLP

def hang(fd):
    print("writing", flush=True)
    time.sleep(60)

files.os.fsync = hang
MLP(2, [3, 1]).save(sys.argv[1])
"""


def _start_hanging_save(path):
    """A process stopped in the middle of a save, its temporary file written."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SAVE_AND_HANG, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline() == "writing\n"
    return proc


def _temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.skipif(os.name != "posix", reason="whether a process runs is asked with kill(pid, 0)")
def test_the_next_save_removes_what_killed_saves_left_behind(saved):
    for _ in range(3):
        proc = _start_hanging_save(saved)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # each killed save leaves its own file; the one before it was removed by this save
        assert len(_temporaries(saved.parent)) == 1
    MLP(2, [3, 1], seed=4).save(saved)
    assert _temporaries(saved.parent) == []
    assert data_of(MLP.load(saved)) == data_of(MLP(2, [3, 1], seed=4))


@pytest.mark.skipif(os.name != "posix", reason="whether a process runs is asked with kill(pid, 0)")
def test_a_save_running_in_another_process_is_not_disturbed(saved):
    proc = _start_hanging_save(saved)
    try:
        running = _temporaries(saved.parent)
        assert len(running) == 1
        MLP(2, [3, 1], seed=4).save(saved)
        assert _temporaries(saved.parent) == running
    finally:
        proc.kill()
        proc.wait()


def test_only_temporaries_of_the_same_path_are_removed(saved):
    dead = 2**22 + 12345  # above Linux's default pid_max: no process has it
    other = saved.parent / f".other.json.{dead}.0a1b2c3d.tmp"
    mine_alive = saved.parent / f".model.json.{os.getpid()}.0a1b2c3d.tmp"
    lookalike = saved.parent / ".model.json.notapid.tmp"
    for p in (other, mine_alive, lookalike):
        p.write_text("{")
    MLP(2, [3, 1]).save(saved)
    assert sorted(os.listdir(saved.parent)) == sorted(
        [other.name, mine_alive.name, lookalike.name, "model.json"]
    )


def test_loading_a_pipe_or_a_folder_is_refused_at_once_naming_it(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        with pytest.raises(ValueError, match="not a regular file") as info:
            MLP.load(path)
        assert str(path) in str(info.value)


def test_a_path_with_a_null_byte_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="cannot be read|not a saved model|null"):
        MLP.load("model\0.json")


def test_a_file_larger_than_any_model_is_refused_by_its_size_before_it_is_read(tmp_path):
    import tracemalloc

    from autograd_lite.nn.saving import MAX_FILE_BYTES

    junk = tmp_path / "junk.json"
    with open(junk, "wb") as f:
        f.truncate(2**30)  # 1 GB, sparse: nothing is written to disk
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"1,073,741,824 bytes .* largest model file"):
            MLP.load(junk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing of it was read
    assert 2**30 > MAX_FILE_BYTES > 25 * 10_000_000


def test_the_largest_file_size_leaves_room_for_the_largest_model_written_out():
    from autograd_lite.nn.saving import MAX_FILE_BYTES, MAX_PARAMETERS

    widest = json.dumps([-1.2345678901234567e-300] * 1000)  # the longest repr of a float
    assert len(widest) / 1000 * MAX_PARAMETERS < MAX_FILE_BYTES
