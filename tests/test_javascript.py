"""The compiler's JavaScript against the interpreter, in Node: random graphs at random points.

``compile(root, inputs).javascript`` must give what building the graph at those values and
calling ``backward()`` gives: the root's value, each parameter's grad and, for the nodes of
``record``, their values and grads; nan, ±inf and ±0 included. Where no operation of the
graph calls exp, log, log1p, tanh or pow, bit for bit; where one does, JavaScript's
functions may differ from C's in the last bits (see tests/test_ops.py, within 4 ulp each),
and what the graph makes of that difference stays within 1e-9. A point where the engine
raises throws a ``MicrogradError`` of the same kind with the same message (its numbers
masked where the bits may differ). Names from any label are names JavaScript reads; the
page's number format (``_fmt``, ``_number``) writes what ``notation`` writes.
"""

from __future__ import annotations

import json
import math
import random
import re
import struct
import unicodedata

import pytest
from helpers import run_javascript
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import ENGINE, SETTINGS, programs, root_graph, run

from micrograd_cbook import Value, compile, topological_order
from micrograd_cbook.notation import fmt, number
from micrograd_cbook.ops import operation_of
from micrograd_cbook.speed.javascript import NOTATION, RUNTIME
from micrograd_cbook.speed.sources import code

INF, NAN = math.inf, math.nan
INEXACT = ("_exp", "_log", "_log1p", "_tanh", "_pow")  # JavaScript's may differ in last bits

# ------------------------------------------------------------------ running JavaScript in Node

_DRIVER = r"""
function bits(x) {
  if (x === null) { return null; }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16);
}
const out = [];
function call(f, xs, ps) {
  try {
    const r = f(xs, ps);
    out.push(["ok", bits(r.value), r.grads.map(bits), r.recorded.map(bits),
              r.recordedGrads.map(bits)]);
  } catch (e) {
    if (!(e instanceof MicrogradError)) { throw e; }
    out.push(["error", e.kind, e.message]);
  }
}
"""


def js_number(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def from_bits(h: str | None) -> float | None:
    return None if h is None else struct.unpack(">d", bytes.fromhex(h.rjust(16, "0")))[0]


def in_node(calls: list[tuple[str, list[float], list[float]]]) -> list:
    """Run each (function source, inputs, params) in one Node process: per call
    ("ok", value, grads, recorded, recorded grads) as floats, or ("error", kind, message)."""
    sources = list(dict.fromkeys(src for src, _, _ in calls))
    lines = [RUNTIME, _DRIVER]
    lines += [f"const f{k} = ({src.strip()});" for k, src in enumerate(sources)]
    for src, xs, ps in calls:
        args = ", ".join("[" + ", ".join(map(js_number, v)) + "]" for v in (xs, ps))
        lines.append(f"call(f{sources.index(src)}, {args});")
    lines.append("console.log(JSON.stringify(out));")
    results = []
    for r in json.loads(run_javascript("\n".join(lines))):
        if r[0] == "error":
            results.append(tuple(r))
        else:
            results.append(
                ("ok", from_bits(r[1]), *([from_bits(h) for h in part] for part in r[2:]))
            )
    return results


def close(a: float, b: float, exact: bool) -> bool:
    """The same float (nan and the sign of zero included), or within 1e-9 where not exact."""
    if repr(a) == repr(b):
        return True
    if exact or math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def exact_in_javascript(root: Value) -> bool:
    """Whether no operation of the graph calls a function JavaScript may round differently."""
    for n in topological_order(root):
        if n.children:
            source = code(n.op, "javascript")
            text = repr(source) if source is not None else ""
            if any(name + "(" in text for name in INEXACT):
                return False
    return True


def masked(message: str) -> str:
    return re.sub(r"-?(\d[\d.e+-]*|inf|nan)", "#", message)


# ------------------------------------------------------------------ random graphs


def interpreted(prog, point):
    """The graph built at ``point`` and backpropagated: its program's nodes, or the error."""
    leaves = [Value(v, f"x{i}") for i, v in enumerate(point)]
    try:
        nodes = run(prog, leaves, ENGINE)
        nodes[-1].backward()
    except (ArithmeticError, ValueError) as e:
        return ("error", type(e).__name__, str(e))
    return nodes


@settings(max_examples=150, **SETTINGS)
@given(programs(), st.data())
def test_the_javascript_of_a_random_graph_gives_the_interpreters_numbers(prog, data):
    prog = root_graph(prog)
    n = len(prog.leaves)
    leaves = [Value(v, f"x{i}") for i, v in enumerate(prog.leaves)]
    nodes = run(prog, leaves, ENGINE)
    root = nodes[-1]
    in_graph = set(topological_order(root))
    chosen = sorted(i for i in data.draw(st.sets(st.integers(0, n - 1))) if leaves[i] in in_graph)
    kept = [k for k, node in enumerate(nodes) if node in in_graph]
    f = compile(root, inputs=[leaves[i] for i in chosen], record=[nodes[k] for k in kept])
    special = (0.0, -0.0, INF, -INF, NAN, 2.0)
    points = [list(prog.leaves)] + [
        [data.draw(st.sampled_from((v, -v, 0.5 * v + 0.25, *special))) for v in prog.leaves]
        for _ in range(3)
    ]
    params = [[p[leaves.index(leaf)] for leaf in f.parameters] for p in points]
    calls = [(f.javascript, [p[i] for i in chosen], ps) for p, ps in zip(points, params)]
    exact = exact_in_javascript(root)
    for point, ps, got in zip(points, params, in_node(calls)):
        want = interpreted(prog, point)
        if isinstance(want, tuple):  # an error: the one the compiled Python meets first
            for leaf, x in zip(f.parameters, ps):
                leaf.data = x
            with pytest.raises((ArithmeticError, ValueError)) as raised:
                f([point[i] for i in chosen])
            first = (type(raised.value).__name__, str(raised.value))
            assert got[0] == "error", (point, got, want)
            assert got[1] == first[0], (point, got, first)
            assert (got[2] if exact else masked(got[2])) == (
                first[1] if exact else masked(first[1])
            ), (point, got, first)
            continue
        assert got[0] == "ok", (point, got)
        _, value, grads, recorded, recorded_grads = got
        fresh = dict(zip(leaves, want))  # the same program's nodes, built at the point
        assert close(value, want[-1].data, exact), (point, value, want[-1].data)
        for leaf, g in zip(f.parameters, grads):
            assert close(g, fresh[leaf].grad, exact), (point, leaf.label, g, fresh[leaf].grad)
        for k, v, g in zip(kept, recorded, recorded_grads):
            assert close(v, want[k].data, exact), (point, k, v, want[k].data)
            below = {c for c in topological_order(nodes[k]) if not c.children}
            if g is None:  # no grad asked for: only inputs below it
                assert below <= {leaves[i] for i in chosen}
            else:
                assert close(g, want[k].grad, exact), (point, k, g, want[k].grad)


ERRORS = [  # (a graph of w and x, where it is defined, where it raises)
    (lambda w, x: w.log() * x, (2.0, 3.0), (-1.0, 3.0)),
    (lambda w, x: w.exp() * x, (2.0, 3.0), (1000.0, 3.0)),
    (lambda w, x: x / w, (2.0, 3.0), (0.0, 3.0)),
    (lambda w, x: (-w) ** 0.5, (-2.0, 3.0), (2.0, 3.0)),
    (lambda w, x: w**x, (2.0, 3.0), (-2.0, 0.5)),
    (lambda w, x: (w * x).sqrt(), (2.0, 3.0), (-2.0, 3.0)),
]


def test_errors_are_thrown_with_the_engines_kind_and_message():
    calls, want = [], []
    for build, defined, raises in ERRORS:
        f = compile(build(Value(defined[0], "w"), Value(defined[1], "x")))
        at = dict(zip("wx", raises))
        calls.append((f.javascript, [], [at[p.label] for p in f.parameters]))
        with pytest.raises((ArithmeticError, ValueError)) as raised:
            build(Value(raises[0], "w"), Value(raises[1], "x"))
        want.append(("error", type(raised.value).__name__, str(raised.value)))
    assert in_node(calls) == want
    assert want[0] == ("error", "ValueError", "log is defined only for x > 0, got x = -1.0")
    assert {kind for _, kind, _ in want} == {"ValueError", "OverflowError", "ZeroDivisionError"}


def test_a_power_of_one_is_one_as_in_python_where_math_pow_gives_nan():
    # 1 ** y is 1 for every y, ±inf and nan too, in Python (and C); Math.pow(1, y) is NaN
    # there (hypothesis found σ(inf) ** inf: 1.0 ** inf).
    points = [(1.0, INF), (1.0, -INF), (1.0, NAN), (1.0, 0.5), (0.5, INF), (2.0, -INF)]
    points += [(NAN, 0.0), (-1.0, 3.0), (0.0, 2.0)]
    w, x = Value(0.0, "w"), Value(0.0, "x")
    f = compile(w**x)
    calls = [(f.javascript, [], [at[p.label] for p in f.parameters])
             for at in (dict(zip("wx", p)) for p in points)]  # fmt: skip
    for (a, b), got in zip(points, in_node(calls)):
        w, x = Value(a, "w"), Value(b, "x")
        y = w**x
        y.backward()
        assert got[0] == "ok", (a, b, got)
        assert repr(got[1]) == repr(y.data), (a, b, got)
        assert repr(got[2]) == repr([w.grad, x.grad]), (a, b, got)


# ------------------------------------------------------------------ names from any label

TRICKY = (
    "inputs", "params", "arguments", "await", "let", "yield", "eval", "class", "NaN",
    "undefined", "constructor", "__proto__", "_x", "σ", "a⁽ᴸ⁻¹⁾", "w·a_prev", "℘", "𝑤",
    "x\u0301", "ǅ", "Ⅻ", "ℬ", "〆", "ᢅ", "a\u200db", "日本", "x$", "</script>", "1abc", "Δw",
    "w1[0,2]", "", " ", "a-b", "\u2028", "ꙮ", "🙂",
)  # fmt: skip
LABELS = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6))
ES5_LETTER = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"}
ES5_AFTER = ES5_LETTER | {"Mn", "Mc", "Nd", "Pc"}


def readable_in_every_engine(name: str) -> bool:
    """A name ES5 reads as one in any engine: $, _, letters (and after the first, marks and
    digits) of Unicode 3.2, which every engine knows."""
    ok = [
        c in "$_"
        or (c.isascii() and c.isalnum())
        or unicodedata.ucd_3_2_0.category(c) in (ES5_AFTER if i else ES5_LETTER)
        for i, c in enumerate(name)
    ]
    return all(ok) and not name[0].isdigit()


@settings(max_examples=40, **SETTINGS)
@given(st.lists(LABELS, min_size=9, max_size=9), st.lists(st.sampled_from(TRICKY), max_size=3))
@example(labels=["inputs"] * 6 + ["let", "À", "inputs"], more=[])  # "dÀ_dlet += ..." is no "let"
def test_any_labels_give_names_javascript_reads_and_the_same_numbers(labels, more):
    w, x, b, y = (Value(v, label) for v, label in zip((0.5, 1.5, -0.25, 2.0), labels))
    z = w * x + b
    a = z.relu()
    d = a - y
    s = (d**2 + abs(w).sqrt()) / 2.0
    for node, label in zip((z, a, d, s), labels[4:]):
        node.label = label
    for k, label in enumerate(more):  # the same label again
        s = s * Value(1.0 + k, label)
    nodes = [n for n in topological_order(s) if type(n) is Value or n.children]
    f = compile(s, inputs=[x], record=nodes)
    declared = re.findall(r"^\s*(?:const \[|let )([^\]=;]*)", f.javascript, re.M)
    for name in ", ".join(declared).split(", "):
        assert not name or readable_in_every_engine(name), name
    got = in_node([(f.javascript, [x.data], [p.data for p in f.parameters])])[0]
    s.backward()
    assert got[0] == "ok", got
    assert repr(got[1]) == repr(s.data)
    assert [repr(g) for g in got[2][: len(f.parameters)]] == [repr(p.grad) for p in f.parameters]
    assert [repr(v) for v in got[3]] == [repr(n.data) for n in nodes]


def test_a_label_named_like_the_functions_arguments_compiles():
    inputs, params = Value(2.0, "inputs"), Value(3.0, "params")
    f = compile(inputs * params, inputs=[inputs])
    assert in_node([(f.javascript, [2.0], [3.0])])[0][:3] == ("ok", 6.0, [2.0])


# ------------------------------------------------------------------ the page's numbers


def floats() -> list[float]:
    rng = random.Random(7)
    xs = [0.0, -0.0, NAN, INF, -INF, 5e-324, -5e-324, 1e-4, 9.99995e-5, 0.03125, -0.03125]
    xs += [0.00005, 1e6, 999999.99995, 999999.99996, 0.99995, 9.99995, 123456.78125, 2.5e9]
    xs += [1.7976931348623157e308, 0.000100005, -0.00012345, 1e-7, 1e100, -1e-100]
    xs += [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(2000)]
    xs += [rng.uniform(-3, 3) for _ in range(2000)] + [k / 2**15 for k in range(-2000, 2000, 3)]
    xs += [10.0 ** rng.uniform(-9, 9) * rng.choice((1, -1)) for _ in range(2000)]
    return xs


def test_the_pages_numbers_are_written_as_notation_writes_them():
    xs = floats()
    script = "\n".join(
        [
            RUNTIME,
            NOTATION,
            f"const xs = [{', '.join(map(js_number, xs))}];",
            "console.log(JSON.stringify(xs.map(x => [_fmt(x), _number(x), _repr(x)])));",
        ]
    )
    got = json.loads(run_javascript(script))
    want = [[fmt(x), number(x), repr(x)] for x in xs]
    wrong = [(x, g, w) for x, g, w in zip(xs, got, want) if g != w]
    assert not wrong, wrong[:5]
    assert number(0.03125) == "0.0312"  # a tie, to even (toFixed would give 0.0313)


def test_every_operation_the_engine_has_is_written_from_the_table():
    w = Value(0.5, "w")
    ops = [w.sigmoid(), w.tanh(), w.exp(), w.log(), w.sqrt(), w.softplus(), w.relu(), abs(w)]
    f = compile(sum(ops[1:], ops[0]))
    names = {operation_of(n).name for n in topological_order(f.root) if n.children}
    assert {"sigmoid", "tanh", "exp", "log", "sqrt", "softplus", "relu", "abs"} <= names
    got = in_node([(f.javascript, [], [0.5])])[0]
    f.root.backward()
    assert got[0] == "ok" and close(got[1], f.root.data, False)
    assert close(got[2][0], w.grad, False)
