"""What a compiled graph's JavaScript needs around it: the runtime its lines call.

The lines come from the same table of operations as the Python code (see
:mod:`~micrograd_cbook.speed.sources`): the same names, the same order of operations. The
runtime defines those names (``_exp`` is ``Math.exp``, ...), ``_repr`` (a number as Python's
``repr`` writes it, so that an error reads as the engine's) and ``_fail``, which throws a
:js:`MicrogradError` whose ``kind`` is the Python exception's name.

JavaScript's numbers are IEEE 754 doubles, as Python's floats: ``+ − × ÷`` and the square
root give the same bits; ``Math.exp``, ``Math.log``, ``Math.tanh``, ``Math.log1p`` and
``Math.pow`` may differ from C's in the last bits.

:data:`NOTATION` is :mod:`micrograd_cbook.notation` in JavaScript, for pages that write
numbers: ``_fmt`` and ``_number`` give the same text as ``fmt`` and ``number`` for every
float (rounded half to even from its exact decimal value, as Python's format does, where
``toFixed`` would round a tie up).
"""

from __future__ import annotations

__all__ = ["NOTATION", "RUNTIME"]

RUNTIME = r"""
const _exp = Math.exp, _log = Math.log, _log1p = Math.log1p, _tanh = Math.tanh;
const _sqrt = Math.sqrt, _abs = Math.abs, _pow = Math.pow, _inf = Infinity, _nan = NaN;
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
