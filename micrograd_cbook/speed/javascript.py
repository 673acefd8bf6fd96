"""What a compiled graph's JavaScript needs around it: the runtime its lines call.

The lines come from the same table of operations as the Python code (see
:mod:`~micrograd_cbook.speed.sources`): the same names, the same order of operations. The
runtime defines those names (``_exp`` is ``Math.exp``, ...), ``_repr`` (a number as Python's
``repr`` writes it, so that an error reads as the engine's) and ``_fail``, which throws a
:js:`MicrogradError` whose ``kind`` is the Python exception's name.

JavaScript's numbers are IEEE 754 doubles, as Python's floats: ``+ − × ÷`` and the square
root give the same bits; ``Math.exp``, ``Math.log``, ``Math.tanh``, ``Math.log1p`` and
``Math.pow`` may differ from C's in the last bits.
"""

from __future__ import annotations

__all__ = ["RUNTIME"]

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
