"""The formula parser: its whitelist, clear FormulaErrors, fuzzing that never executes anything."""

import math
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import Constant, Value
from micrograd_cbook.formula import (
    MAX_LENGTH,
    FormulaError,
    parse_assignments,
    parse_formula,
)
from micrograd_cbook.viz import draw_dot

# ------------------------------------------------- an audit hook as the "never executes" oracle
# Python raises audit events for exec/eval of code, imports, opening files and starting
# processes. Parsing (ast.parse raises only "compile") and building must raise none of them.
_WATCHING: list[list[str]] = []
_FORBIDDEN = ("exec", "import", "open", "os.system", "subprocess.Popen", "os.exec", "os.spawn",
              "os.posix_spawn", "socket.connect", "os.remove", "ctypes")


def _hook(event: str, _args: tuple) -> None:
    if _WATCHING and event.startswith(_FORBIDDEN):
        _WATCHING[-1].append(event)


sys.addaudithook(_hook)  # cannot be removed; it records nothing unless a test is watching


def parse_and_build(text: str, values: dict[str, float] | None = None) -> list[str]:
    """Parse (and build when values are given), returning the forbidden events seen."""
    events: list[str] = []
    _WATCHING.append(events)
    try:
        try:
            formula = parse_formula(text)
            if values is not None:
                formula.build({n: values.get(n, 0.5) for n in formula.names})
        except FormulaError:
            pass
    finally:
        _WATCHING.pop()
    return events


def test_the_audit_oracle_sees_an_eval():
    events: list[str] = []
    _WATCHING.append(events)
    try:
        eval("1 + 1")  # the thing the parser must never do
    finally:
        _WATCHING.pop()
    assert "exec" in events


# ------------------------------------------------------------------------- accepted


def test_the_chapters_neuron_builds_with_labelled_leaves():
    formula = parse_formula("sigmoid(w*x + b)")
    assert formula.names == ("w", "x", "b")
    out, leaves = formula.build({"w": 0.5, "x": 1.5, "b": 0.1})
    assert out.data == pytest.approx(1 / (1 + math.exp(-(0.5 * 1.5 + 0.1))), rel=1e-15)
    assert {n: v.label for n, v in leaves.items()} == {"w": "w", "x": "x", "b": "b"}
    assert out.label == "out"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("w + 2", 2.5),
        ("-w", -0.5),
        ("+w", 0.5),
        ("w ** 2", 0.25),
        ("2 ** w", 2**0.5),
        ("w / 4", 0.125),
        ("(w - 1) * 3", -1.5),
        ("relu(w) + tanh(w) + exp(w) + log(w)",
         0.5 + math.tanh(0.5) + math.exp(0.5) + math.log(0.5)),
        ("1e-3 * w", 5e-4),
        ("2 * 3", 6.0),
    ],
)
def test_whitelisted_formulas_evaluate_as_python_would(text, expected):
    formula = parse_formula(text)
    out, _ = formula.build({n: 0.5 for n in formula.names})
    assert out.data == pytest.approx(expected, rel=1e-15)


def test_numbers_in_the_graph_are_constants():
    out, leaves = parse_formula("sigmoid(2 * 3) * w").build({"w": 1.0})
    leaf_types = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if not node.children and node is not leaves["w"]:
            leaf_types.add(type(node))
        stack.extend(node.children)
    assert leaf_types == {Constant}
    assert type(leaves["w"]) is Value


# ------------------------------------------------------------------------- rejected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("w *", "cannot parse"),
        ("sigmoid(w", "cannot parse"),
        ("__import__('os').system('true')", "unknown function"),
        ("__import__('os')", "unknown function '__import__'"),
        ("w.__class__", "attribute access is not allowed"),
        ("(1).__class__.__bases__", "attribute access"),
        ("w[0]", "indexing is not allowed"),
        ("w < 1", "comparison is not allowed"),
        ("w and x", "and/or is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("'text'", "only real numbers"),
        ("True", "only real numbers"),
        ("1j", "only real numbers"),
        ("1e999", "too large"),
        ("open('f')", "unknown function 'open'"),
        ("sin(w)", "unknown function 'sin'"),
        ("sigmoid", "sigmoid is a function"),
        ("sigmoid(w, x)", "exactly one argument"),
        ("sigmoid(x=w)", "exactly one argument"),
        ("sigmoid(*w)", "exactly one argument"),
        ("w.sigmoid()", "unknown function"),
        ("[w]", "List is not allowed"),
        ("(x := 1)", "NamedExpr is not allowed"),
        ("f'{w}'", "JoinedStr is not allowed"),
        ("w if x else b", "IfExp is not allowed"),
        ("w % 2", "BinOp is not allowed"),
        ("~w", "UnaryOp is not allowed"),
        ("w\x00", "NUL"),
        ("w = 1", "cannot parse"),
        ("import os", "cannot parse"),
        ("w" + "+w" * (MAX_LENGTH // 2), "longer than"),
        ("+".join(["w"] * 600), "more than 500 parts"),
        ("(" * 300 + "w" + ")" * 300, "cannot parse"),
    ],
)
def test_anything_outside_the_whitelist_is_a_clear_formula_error(text, message):
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_formula(text)


@pytest.mark.parametrize("text", ["1if w else 2", "1 is w", "'\\d'", "2w"])
def test_python_syntax_warnings_are_not_printed(text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FormulaError):
            parse_formula(text)
    assert caught == []


def test_formula_error_is_a_value_error():
    assert issubclass(FormulaError, ValueError)


def test_a_non_string_formula_is_refused():
    with pytest.raises(FormulaError, match="text"):
        parse_formula(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "no value given for w, x: add e.g. --set w=1.0"),
        ({"w": 1.0, "x": 1.0, "q": 2.0}, "q is set but not used"),
    ],
)
def test_missing_and_unused_values_are_named(values, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula("w * x").build(values)


@pytest.mark.parametrize(
    ("text", "message"),
    [("log(w - 1)", "log is defined only for x > 0"), ("1 / (w - 1)", "division by zero"),
     ("exp(w * 1000)", "too large"), ("(-1) ** (w / 2)", "negative base")],
)
def test_evaluation_errors_become_formula_errors(text, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(text).build({"w": 1.0})


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["w"], "NAME=NUMBER"),
        (["=1"], "NAME=NUMBER"),
        (["1w=2"], "not a valid name"),
        (["w=abc"], "not a number"),
        (["w=nan"], "finite"),
        (["w=inf"], "finite"),
        (["w=1", "w=2"], "set twice"),
    ],
)
def test_bad_assignments_are_formula_errors(items, message):
    with pytest.raises(FormulaError, match=message):
        parse_assignments(items)


# -------------------------------------------------------------------------- fuzzing

PIECES = ["w", "x", "b", "1", "2.5", "1e308", "0", "+", "-", "*", "/", "**", "(", ")", ",",
          " ", "sigmoid", "relu", "tanh", "exp", "log", ".", "__import__", "'os'", "[", "]",
          "lambda", ":", "=", "if", "else", "eval", "exec", "open", "__class__", "\\", "\n",
          ";", "#", "@", "~", "%", "{", "}", "\"", "j", "not", "yield", "await", "print"]


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_random_text_raises_only_formula_error_and_executes_nothing(text):
    assert parse_and_build(text, {}) == []


@settings(max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_python_like_fragments_raise_only_formula_error_and_execute_nothing(text):
    assert parse_and_build(text, {}) == []


def formulas(depth: int = 3) -> st.SearchStrategy[str]:
    """Random formulas inside the whitelist."""
    leaf = st.sampled_from(["w", "x", "b", "2", "0.5", "-1", "3e-2"])
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["sigmoid", "relu", "tanh", "exp", "log", "-"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"),
        ),
        max_leaves=8,
    )


@settings(max_examples=200)
@given(formulas(), st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3))
def test_whitelisted_formulas_build_or_say_why_and_always_draw(text, w, x, b):
    formula = parse_formula(text)  # always accepted
    try:
        out, _ = formula.build({n: {"w": w, "x": x, "b": b}[n] for n in formula.names})
    except FormulaError as e:
        assert str(e).startswith("cannot evaluate")
        return
    out.backward()
    assert "digraph" in draw_dot(out, show_local_grads=True).source
