"""The formula parser: its whitelist, clear FormulaErrors, fuzzing that never executes anything."""

import math
import re
import sys
import warnings

import pytest
from hypothesis import assume, given, settings
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
_FORBIDDEN = (
    "exec",
    "import",
    "open",
    "os.system",
    "subprocess.Popen",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "socket.connect",
    "os.remove",
    "ctypes",
)


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
        (
            "relu(w) + tanh(w) + exp(w) + log(w)",
            0.5 + math.tanh(0.5) + math.exp(0.5) + math.log(0.5),
        ),
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
        ("[w]", "a list [...] is not allowed"),
        ("(x := 1)", "an assignment inside an expression (:=) is not allowed"),
        ("f'{w}'", "an f-string is not allowed"),
        ("w if x else b", "a conditional 'x if c else y' is not allowed"),
        ("w % 2", "% (a remainder) is not allowed"),
        ("~w", "~ (bitwise not) is not allowed"),
        ("w\x00", "NUL"),
        ("w.x = 1", "only plain names can be assigned"),
        ("import os", "'import os' is not allowed in a formula"),
        ("w" + "+w" * (MAX_LENGTH // 2), "longer than"),
        ("+".join(["w"] * 600), "more than 500 parts"),
        ("(" * 300 + "w" + ")" * 300, "cannot parse"),
    ],
)
def test_anything_outside_the_whitelist_is_a_clear_formula_error(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
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
    [
        ("log(w - 1)", "log is defined only for x > 0"),
        ("1 / (w - 1)", "division by zero"),
        ("exp(w * 1000)", "too large"),
        ("(-1) ** (w / 2)", "negative base"),
    ],
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

PIECES = [
    "w",
    "x",
    "b",
    "1",
    "2.5",
    "1e308",
    "0",
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    ",",
    " ",
    "sigmoid",
    "relu",
    "tanh",
    "exp",
    "log",
    ".",
    "__import__",
    "'os'",
    "[",
    "]",
    "lambda",
    ":",
    "=",
    "if",
    "else",
    "eval",
    "exec",
    "open",
    "__class__",
    "\\",
    "\n",
    ";",
    "#",
    "@",
    "~",
    "%",
    "{",
    "}",
    '"',
    "j",
    "not",
    "yield",
    "await",
    "print",
]


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
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["sigmoid", "relu", "tanh", "exp", "log", "-"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
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


# ------------------------------------------------------------ mistakes in the user's words


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x^2", "use ** for powers, x**2"),
        ("w*x^2 + b", "use ** for powers, w * x**2 + b"),
        ("2x", "write 2*x for a product"),
        ("2 x + 1", "write 2*x for a product"),
        ("0.5(w + b)", "write 0.5*(...) for a product"),
        ("x²", "use ** for powers"),
        ("w·x", "use * for products"),
        ("x − 1", "use - for minus"),
        ("x @ x", "@ (a matrix product) is not allowed"),
        ("w // 2", "// (floor division) is not allowed"),
        ("w % 2", "% (a remainder) is not allowed"),
        ("w if x else b", "a conditional 'x if c else y' is not allowed"),
        ("w | x", "| (a bitwise or) is not allowed"),
        ("1" * 401, "the 401-digit integer is too large"),
        ("w * 1" + "0" * 401, "the 402-digit integer is too large"),
        ("w # the weight", "comment"),
    ],
)
def test_formula_mistakes_are_named_in_the_users_words(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)) as info:
        parse_formula(text)
    assert "\n" not in str(info.value)
    for word in ("BinOp", "IfExp", "BitXor", "MatMult", "Traceback"):
        assert word not in str(info.value)


def test_python_names_of_nodes_never_reach_the_user():
    for text in [
        "w ^ x",
        "w @ x",
        "w // x",
        "w % x",
        "w << x",
        "w & x",
        "~w",
        "not w",
        "[w]",
        "{w}",
        "{w: x}",
        "(w, x)",
        "(x := 1)",
        "f'{w}'",
        "w if x else b",
        "*w",
    ]:
        with pytest.raises(FormulaError) as info:
            parse_formula(text)
        assert not re.search(r"\b[A-Z][a-z]+[A-Z]\w*\b", str(info.value)), (text, info.value)


# ------------------------------------------------------------------ steps that name themselves

CHAPTER_STEPS = "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2"
CHAPTER_VALUES = {"w": 0.5, "x": 1.5, "b": 0.1}


def test_each_assigned_name_labels_its_node_and_the_last_statement_is_the_root():
    formula = parse_formula(CHAPTER_STEPS)
    assert formula.names == ("w", "x", "b")
    assert formula.steps == ("z", "a", "C")
    built = formula.evaluate(CHAPTER_VALUES)
    C, a, z = built.root, built.steps["a"], built.steps["z"]
    assert (C.label, a.label, z.label) == ("C", "a", "z")
    assert built.steps["C"] is C
    assert a.op == "sigmoid" and a.children == (z,)
    zd = 0.5 * 1.5 + 0.1
    assert z.data == zd
    assert C.data == pytest.approx((1 - 1 / (1 + math.exp(-zd))) ** 2 / 2, rel=1e-15)
    C.backward()
    s = 1 / (1 + math.exp(-zd))
    assert built.leaves["w"].grad == pytest.approx(1.5 * s * (1 - s) * -(1 - s), rel=1e-14)


def test_steps_may_be_separated_by_new_lines_and_end_in_a_plain_expression():
    out, _ = parse_formula("z = w*x\n\nz * 2\n").build({"w": 2.0, "x": 3.0})
    assert out.data == 12.0 and out.label == "out"
    assert out.children[0].label == "z"


def test_a_step_of_numbers_only_is_a_labelled_constant():
    built = parse_formula("y = 1; C = (y - a)**2 / 2").evaluate({"a": 0.75})
    assert built.root.data == 0.03125
    assert isinstance(built.steps["y"], Constant) and built.steps["y"].label == "y"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = sigmoid(z); z = w*x", "z is used before it is assigned"),
        ("z = z + 1", "z is used before it is assigned"),
        ("z = w*x; z = z*2", "z is assigned twice"),
        ("z, a = w, x", "assigns a tuple: assign one name per step"),
        ("[z] = [w]", "assigns a tuple"),
        ("a = b = w*x", "assigns several names at once"),
        ("w.a = 3", "only plain names can be assigned"),
        ("z[0] = 3", "only plain names can be assigned"),
        ("z += w", "give each step its own name"),
        ("z: float = w", "annotations are not allowed"),
        ("z = w*x;; C = z", "empty statement"),
        (";", "empty statement"),
        ("; z = w", "empty statement"),
        ("w*x; C = w", "is not assigned to a name"),
        ("z = w*x; C = w", "z is assigned but never used"),
        ("z = w; C = z*2", "only gives w a second name"),
        ("z = w*x; a = +z; C = a*2", "only gives z a second name"),
        ("sigmoid = w*x", "sigmoid is a function"),
        ("z = w*x; import os", "'import os' is not allowed"),
        ("z = w*x; del z", "is not allowed"),
        ("z = w*x; C = z**2 # c", "comment"),
    ],
)
def test_bad_steps_are_clear_formula_errors(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)) as info:
        formula = parse_formula(text)
        formula.build({n: 1.0 for n in formula.names})
    assert "\n" not in str(info.value)


def test_a_value_given_for_an_assigned_name_is_refused():
    with pytest.raises(FormulaError, match="z is assigned in the formula and also given a value"):
        parse_formula(CHAPTER_STEPS).build({**CHAPTER_VALUES, "z": 1.0})


def test_an_error_while_evaluating_a_step_names_the_step():
    with pytest.raises(FormulaError, match=re.escape("cannot evaluate 'a = log(z)'")):
        parse_formula("z = w - 1; a = log(z)").build({"w": 1.0})


@settings(max_examples=150, deadline=None)
@given(formulas(), formulas(), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_named_steps_compute_what_the_inlined_formula_computes(inner, outer, w, x, b):
    """z = f(w, x, b); C = g(z, w) has the value and the grads of g(f(w, x, b), w)."""
    assume(inner not in ("w", "x", "b"))  # "z = w" is refused: it only renames w
    outer = re.sub(r"\bx\b", "z", outer)  # g reads z (and w, b)
    if not re.search(r"\bz\b", outer):
        outer = f"({outer}) * z"
    assume(outer != "z")  # "C = z" is refused too
    inlined = re.sub(r"\bz\b", f"({inner})", outer)
    values = {"w": w, "x": x, "b": b}
    steps = parse_formula(f"z = {inner}; C = {outer}")
    single = parse_formula(inlined)
    try:
        C, leaves = steps.build({n: values[n] for n in steps.names})
    except FormulaError as e:
        with pytest.raises(FormulaError):
            single.build({n: values[n] for n in single.names})
        assert str(e).startswith("cannot evaluate")
        return
    out, same = single.build({n: values[n] for n in single.names})
    assert C.data == out.data or (math.isnan(C.data) and math.isnan(out.data))
    C.backward()
    out.backward()
    for n in leaves:  # a shared step sums its grads in another order than two copies of it
        g1, g2 = leaves[n].grad, same[n].grad
        if math.isfinite(g1) and math.isfinite(g2):
            assert g1 == pytest.approx(g2, rel=1e-9, abs=1e-12), n
        else:
            assert (math.isnan(g1) and math.isnan(g2)) or g1 == g2, n
