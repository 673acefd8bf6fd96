"""What a compiled graph's JavaScript needs around it: the runtime its lines call.

The lines come from the same table of operations as the Python code (see
:mod:`~micrograd_cbook.speed.sources`): the same names, the same order of operations. The
runtime defines those names (``_exp`` is ``Math.exp``, ...), ``_repr`` (a number as Python's
``repr`` writes it, so that an error reads as the engine's) and ``_fail``, which throws a
:js:`MicrogradError` whose ``kind`` is the Python exception's name.

JavaScript's numbers are IEEE 754 doubles, as Python's floats: ``+ − × ÷`` and the square
root give the same bits; ``Math.exp``, ``Math.log``, ``Math.tanh``, ``Math.log1p`` and
``Math.pow`` may differ from C's in the last bits (``_pow`` is ``Math.pow`` but for ``1 ** y``,
1 in Python for every y, where ``Math.pow(1, ±inf or NaN)`` is NaN).

:data:`NOTATION` is :mod:`micrograd_cbook.notation` in JavaScript, for pages that write
numbers: ``_fmt`` and ``_number`` give the same text as ``fmt`` and ``number`` for every
float (rounded half to even from its exact decimal value, as Python's format does, where
``toFixed`` would round a tie up).
"""

from __future__ import annotations

import copy
import re

from .naming import javascript_name
from .writer import Writer

__all__ = ["HAND_MADE", "NOTATION", "RUNTIME", "javascript_function"]

RUNTIME = r"""
const _exp = Math.exp, _log = Math.log, _log1p = Math.log1p, _tanh = Math.tanh;
const _sqrt = Math.sqrt, _abs = Math.abs, _inf = Infinity, _nan = NaN;
// Python's (C's) pow: 1 ** y is 1 for every y, ±inf and nan too, where Math.pow gives NaN
function _pow(x, y) { return x === 1 ? 1 : Math.pow(x, y); }
function _isinf(x) { return x === Infinity || x === -Infinity; }
function _is_integer(x) { return Number.isInteger(x); }
// Python's repr of a float: the shortest digits, in e-notation below 1e-4 and from 1e16
function _repr(x) {
  if (Number.isNaN(x)) { return "nan"; }
  if (x === Infinity) { return "inf"; }
  if (x === -Infinity) { return "-inf"; }
  if (x === 0) { return Object.is(x, -0) ? "-0.0" : "0.0"; }
  const parts = x.toExponential().split("e");
  const e = parseInt(parts[1], 10), sign = x < 0 ? "-" : "";
  const digits = parts[0].replace("-", "").replace(".", "");
  if (e >= -4 && e < 16) {
    if (e >= digits.length - 1) { return sign + digits + "0".repeat(e - digits.length + 1) + ".0"; }
    if (e >= 0) { return sign + digits.slice(0, e + 1) + "." + digits.slice(e + 1); }
    return sign + "0." + "0".repeat(-e - 1) + digits;
  }
  const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
  return sign + m + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
}
class MicrogradError extends Error {
  constructor(kind, message) { super(message); this.name = kind; this.kind = kind; }
}
function _fail(kind, message) { throw new MicrogradError(kind, message); }
"""

NOTATION = r"""
// notation.fmt and notation.number: 4 decimals, or 4 in e-notation where that would hide x
function _exact(a) {  // a ≥ 0 finite, exactly: [digits, p] with a = digits × 10^p
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  let e = Number((bits >> 52n) & 0x7ffn), m = bits & 0xfffffffffffffn;
  if (e === 0) { e = 1; } else { m |= 1n << 52n; }
  e -= 1075;  // a = m × 2^e = m × 5^-e × 10^e
  return e >= 0 ? [m << BigInt(e), 0] : [m * 5n ** BigInt(-e), e];
}
function _rounded(digits, drop) {  // digits / 10^drop, rounded half to even
  if (drop <= 0) { return digits * 10n ** BigInt(-drop); }
  const unit = 10n ** BigInt(drop), q = digits / unit, r = digits % unit, half = unit / 2n;
  return r > half || (r === half && q % 2n === 1n) ? q + 1n : q;
}
function _fmt(x) {
  if (Number.isNaN(x)) { return "nan"; }
  const sign = x < 0 || Object.is(x, -0) ? "-" : "", a = Math.abs(x);
  if (a === Infinity) { return sign + "inf"; }
  const [digits, p] = _exact(a);
  if (a === 0 || (a >= 1e-4 && a < 1e6)) {
    const text = _rounded(digits, -p - 4).toString().padStart(5, "0");
    return sign + text.slice(0, -4) + "." + text.slice(-4);
  }
  const length = digits.toString().length;
  let e = length - 1 + p, kept = _rounded(digits, length - 5);
  if (kept === 100000n) { kept = 10000n; e += 1; }
  const text = kept.toString();
  const exponent = String(Math.abs(e)).padStart(2, "0");
  return sign + text[0] + "." + text.slice(1) + "e" + (e < 0 ? "-" : "+") + exponent;
}
function _number(x) {
  const text = _fmt(x + 0.0);  // -0.0 + 0.0 is 0.0: no "−0.0000"
  return text[0] === "-" ? "\u2212" + text.slice(1) : text;
}
"""


def javascript_function(writer: Writer) -> str:
    """The graph as a JavaScript function ``(inputs, params) → {value, grads, recorded,
    recordedGrads}``: its lines from the same table as the Python code's, every edge run (no
    zero is skipped), the leaves' grads from 0; a row that would raise throws the engine's
    error instead. ``recorded`` holds the value of each node of ``record``, ``recordedGrads``
    its grad (null for one that needs none: only inputs below it)."""
    js = copy.copy(writer)  # the same writer, its names spelt so every engine reads them
    js.var = {n: javascript_name(v) for n, v in writer.var.items()}
    js.grad = {n: javascript_name(v) for n, v in writer.grad.items()}
    js.slope = {k: javascript_name(v) for k, v in writer.slope.items()}
    params = [js.var[p] for p in js.parameters]
    grads = [js.grad[p] for p in (*js.parameters, *js.constants)]
    inputs = [js.var[v] for v in js.inputs]
    forward = js.forward_lines(slopes=True, language="javascript")
    backward = js.backward_lines(skip=False, language="javascript")
    temporaries = [  # the table's own names (_e, ...); an error's line assigns nothing
        name
        for line in forward
        if not line.startswith("if (")
        for name in _TEMPORARY.findall(line.split(HAND_MADE)[0])
    ]
    named = [js.var[n] for n in js.order if n.children]
    local = dict.fromkeys([*named, *js.slope.values(), *js.grad.values(), *temporaries])
    for name in (*inputs, *params):
        local.pop(name, None)
    # The arguments' names start with _ (as the runtime's): no label can take them.
    body = ["function (_inputs, _params) {", f"  const [{', '.join(inputs)}] = _inputs;"]
    if params:
        body.append(f"  const [{', '.join(params)}] = _params;")
    if local:
        body.append(f"  let {', '.join(local)};")
    if grads:
        body.append(f"  {' = '.join(grads)} = 0.0;")
    body += [f"  {_statement(line)}" for line in forward + backward]
    recorded = ", ".join(js.var[n] for n in js.record)
    recorded_grads = ", ".join(js.grad.get(n, "null") for n in js.record)
    body.append(
        f"  return {{value: {js.var[js.root]}, grads: [{', '.join(grads)}], "
        f"recorded: [{recorded}], recordedGrads: [{recorded_grads}]}};"
    )
    body.append("}")
    return "\n".join(body) + "\n"


def _statement(line: str) -> str:
    """A line of the writer as a JavaScript statement (a made-by-hand line has its ; already)."""
    return line if HAND_MADE in line else line + ";"


HAND_MADE = ";  //"  # where a made-by-hand node's line ends and its comment starts
_TEMPORARY = re.compile(r"(?<![\w$])(_[A-Za-z]\w*) = ")  # a temporary assigned (not ==)
