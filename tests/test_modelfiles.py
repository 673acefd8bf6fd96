"""Model files from outside: from_file and load check everything before building or changing
anything, cap the sizes, and say what was wrong as a ValueError naming the file."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import modelfiles, nn


def model_file(tmp_path, config=None, parameters=None, **top) -> str:
    data = {
        "format": "micrograd_cbook.nn",
        "version": 1,
        "class": "MLP",
        "config": {
            "nin": 2,
            "nouts": [1],
            "activation": "sigmoid",
            "output_activation": "sigmoid",
            "bias": True,
        }
        if config is None
        else config,
        "parameters": {"w1[0,0]": 0.5, "w1[0,1]": -0.5, "b1[0]": 0.0}
        if parameters is None
        else parameters,
        **top,
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_a_46_byte_file_asking_for_ten_billion_weights_is_refused_before_building(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(
        '{"format":"micrograd_cbook.nn","version":1,"class":"MLP",'
        '"config":{"nin":100000,"nouts":[100000]}}'
    )
    with pytest.raises(
        ValueError,
        match=r"huge\.json: .*asks for 10,000,100,000 parameters, "
        r"above the cap of 2,000,000",
    ):
        nn.MLP.from_file(path)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"nin": 10**6, "nouts": [1]}, "nin is 1000000, above the cap of 100,000 inputs"),
        ({"nin": 2, "nouts": [1] * 1001}, "nouts has 1001 layers, above the cap of 1,000"),
        ({"nin": 2, "nouts": [10**9]}, "above the cap of 100,000 units"),
        ({"nin": 10**400, "nouts": [1]}, "above the cap"),
        ({"nin": 2, "nouts": [1], "rng": 5}, "unknown config entry 'rng' for a MLP"),
        ({"nin": 2, "nouts": [1], "seed": 5}, "unknown config entry 'seed'"),
        ({"nin": 2, "nouts": [1], "activation": [1]}, "activation must be one of"),
        ({"nin": 2, "nouts": [1], "activation": {"a": 1}}, "activation must be one of"),
        ({"nin": 2, "nouts": [1], "output_activation": 3}, "output_activation must be one of"),
        ({"nin": 2, "nouts": [1], "bias": "yes"}, "bias must be true or false"),
        ({"nin": "2", "nouts": [1]}, "nin must be an int"),
        ({"nin": True, "nouts": [1]}, "nin must be an int"),
        ({"nin": 2.5, "nouts": [1]}, "nin must be an int"),
        ({"nin": 2, "nouts": "4,1"}, "nouts must list the layer sizes"),
        ({"nin": 2, "nouts": [[1]]}, "each size in nouts must be an int"),
        ({"nin": 2, "nouts": [0]}, "each size in nouts must be an int ≥ 1"),
        ({"nouts": [1]}, "config has no 'nin'"),
        ({"nin": 2, "nouts": [3, 1]}, "asks for 13 parameters but it holds 3"),
        ([1, 2], 'no "config"'),
    ],
)
def test_bad_configs_are_value_errors_naming_the_file(tmp_path, config, message):
    path = model_file(tmp_path, config)
    with pytest.raises(ValueError) as info:
        nn.MLP.from_file(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_a_layer_and_a_neuron_config_are_checked_too(tmp_path):
    layer = nn.Layer(3, 2, seed=0)
    layer.save(tmp_path / "layer.json")
    data = json.loads((tmp_path / "layer.json").read_text())
    data["config"]["nout"] = 10**7
    (tmp_path / "layer.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="nout is 10000000, above the cap"):
        nn.Layer.from_file(tmp_path / "layer.json")
    nn.Neuron(2, seed=0).save(tmp_path / "n.json")
    data = json.loads((tmp_path / "n.json").read_text())
    data["config"]["rng"] = 5
    (tmp_path / "n.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="unknown config entry 'rng' for a Neuron"):
        nn.Neuron.from_file(tmp_path / "n.json")


def test_the_saved_files_of_every_class_load_back(tmp_path):
    for model in (
        nn.MLP(3, [4, 2, 1], activation="tanh", seed=1),
        nn.Layer(2, 3, seed=2),
        nn.Neuron(4, activation="relu", bias=False, seed=3),
    ):
        path = tmp_path / f"{type(model).__name__}.json"
        model.save(path)
        again = type(model).from_file(path)
        assert repr(again) == repr(model)
        assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]


@pytest.mark.parametrize("method", ["load", "from_file"])
def test_a_huge_integer_weight_is_a_value_error_not_an_overflow(tmp_path, method):
    path = tmp_path / "model.json"
    text = json.dumps(
        {
            "format": "micrograd_cbook.nn",
            "version": 1,
            "class": "MLP",
            "config": {
                "nin": 2,
                "nouts": [1],
                "activation": "sigmoid",
                "output_activation": "sigmoid",
                "bias": True,
            },
            "parameters": {"w1[0,0]": 0, "w1[0,1]": 0, "b1[0]": 0},
        }
    )
    path.write_text(text.replace('"w1[0,0]": 0', '"w1[0,0]": ' + "9" * 400))
    model = nn.MLP(2, [1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"model\.json: parameter w1\[0,0\] must be a finite"):
        model.load(path) if method == "load" else nn.MLP.from_file(path)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("method", ["load", "from_file"])
def test_deeply_nested_json_is_a_value_error_not_a_recursion_error(tmp_path, method):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep\.json: not a model file \(JSON nested too deeply"):
        nn.MLP(2, [1]).load(path) if method == "load" else nn.MLP.from_file(path)


@pytest.mark.parametrize("method", ["load", "from_file"])
def test_bytes_that_are_not_utf8_are_a_value_error_naming_the_file(tmp_path, method):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ValueError, match=r"model\.json: not a model file \(not UTF-8"):
        nn.MLP(2, [1]).load(path) if method == "load" else nn.MLP.from_file(path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        nn.MLP.from_file(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        nn.MLP(2, [1]).load(fifo)


def test_a_folder_is_an_os_error(tmp_path):
    with pytest.raises(IsADirectoryError):
        nn.MLP.from_file(tmp_path)


def test_a_file_above_the_size_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(modelfiles, "MAX_FILE_BYTES", 100)
    path = model_file(tmp_path)
    assert os.path.getsize(path) > 100
    with pytest.raises(ValueError, match="larger than 100 bytes, the most a model file may have"):
        nn.MLP.from_file(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "nin": JSON | st.integers(-3, 5),
            "nouts": JSON | st.lists(st.integers(-1, 4), max_size=3),
            "activation": JSON | st.sampled_from(nn.ACTIVATIONS),
            "output_activation": JSON | st.sampled_from(nn.ACTIVATIONS),
            "bias": JSON,
            "rng": JSON,
        },
    ),
    st.dictionaries(st.text(max_size=8), JSON, max_size=4),
)
def test_any_config_and_parameters_give_a_model_or_a_value_error(
    tmp_path_factory, config, parameters
):
    path = model_file(tmp_path_factory.mktemp("m"), config, parameters)
    try:
        model = nn.MLP.from_file(path)
    except ValueError as e:
        assert str(e).startswith(f"{path}: ")
    else:
        assert len(model.parameters()) == len(parameters)
