"""The sums of outer products in order: NumPy (what the compiled path runs) against a C loop.

A layer's three big sums, every row at once, are each ``start + Σᵢ outer(u[i], v[i])`` with
i in order (``micrograd_cbook.speed.layers.outer_sum``): the engine's floats bit for bit,
which no matrix multiply gives. This script measures what that order costs in NumPy, and what
the same loop costs in C (compiled here with the system's C compiler, ``-O3
-ffp-contract=off``: no fused multiply-add, each product rounded, then each sum, as Python
does), so that whether to ship such a kernel can be decided on figures. The C code is this
script's own; micrograd_cbook ships none.

    python benchmarks/ordered_sums.py            # the shapes of the scaling table
    python benchmarks/ordered_sums.py --quick    # small shapes, a few repeats

Each row: the shape (n terms; an a × b result), the products added, the best of the repeats
in ns per product-add for each, and whether the C loop's floats are NumPy's, bit for bit (on
numbers of exponents from 1e-15 to 1e15, where any other order of the adds differs).
"""

from __future__ import annotations

import argparse
import ctypes
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from micrograd_cbook.speed.layers import outer_sum

C_SOURCE = r"""
#include <stddef.h>
/* out[p][q] = u[0][p] v[0][q] + u[1][p] v[1][q] + ..., i in order; a tile of out's rows
   stays in the cache over every i (the order of the adds per element is unchanged). */
void outer_sum(const double *u, const double *v, double *out, size_t n, size_t a, size_t b) {
    const size_t tile = 64;
    for (size_t p0 = 0; p0 < a; p0 += tile) {
        size_t p1 = p0 + tile < a ? p0 + tile : a;
        for (size_t p = p0; p < p1; p++)
            for (size_t q = 0; q < b; q++) out[p * b + q] = u[p] * v[q];
        for (size_t i = 1; i < n; i++) {
            const double *ui = u + i * a, *vi = v + i * b;
            for (size_t p = p0; p < p1; p++) {
                double up = ui[p];
                double *o = out + p * b;
                for (size_t q = 0; q < b; q++) o[q] = o[q] + up * vi[q];
            }
        }
    }
}
"""

# (n, a, b): the w256 layer's forward (256 inputs, 100 rows × 256 units), its weights' grads
# (100 rows, 256 × 256), then w64, w16 at 1,000 points and the demo's w16.
SHAPES = [(256, 100, 256), (100, 256, 256), (64, 100, 64), (16, 1000, 16), (16, 100, 16)]
QUICK_SHAPES = [(16, 100, 16), (8, 30, 20)]


def c_kernel(workdir: Path):
    """The C loop as a function of (u, v) → out, or None (and why) without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None, "no C compiler (cc or gcc) on this machine"
    src, lib = workdir / "outer_sum.c", workdir / "outer_sum.so"
    src.write_text(C_SOURCE)
    flags = ["-O3", "-ffp-contract=off", "-fno-fast-math", "-shared", "-fPIC"]
    done = subprocess.run([cc, *flags, "-o", str(lib), str(src)], capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"{cc} failed: {done.stderr.strip()[:200]}"
    fn = ctypes.CDLL(str(lib)).outer_sum
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_size_t] * 3

    def run(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        u, v = np.ascontiguousarray(u, np.float64), np.ascontiguousarray(v, np.float64)
        out = np.empty((u.shape[1], v.shape[1]))
        fn(u.ctypes.data, v.ctypes.data, out.ctypes.data, *u.shape, v.shape[1])
        return out

    return run, f"{Path(cc).name} {' '.join(flags[:3])}"


def best(fn, *args, repeats: int) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, a few repeats")
    args = parser.parse_args(argv)
    shapes, repeats = (QUICK_SHAPES, 3) if args.quick else (SHAPES, 9)
    rng = np.random.default_rng(26)
    with tempfile.TemporaryDirectory() as tmp:
        kernel, how = c_kernel(Path(tmp))
        print(f"NumPy {np.__version__}; C: {how}; best of {repeats}")
        print(f"{'n × (a × b)':>20}  {'products':>10}  {'NumPy ns':>9}  {'C ns':>7}  same bits")
        for n, a, b in shapes:
            u = rng.standard_normal((n, a)) * 10.0 ** rng.integers(-15, 16, (n, a))
            v = rng.standard_normal((n, b))
            products = n * a * b
            t_np, want = best(outer_sum, u, v, repeats=repeats)
            cells = [f"{n} × ({a} × {b})", f"{products:,}", f"{t_np / products * 1e9:.2f}"]
            if kernel is None:
                cells += ["-", "-"]
            else:
                t_c, got = best(kernel, u, v, repeats=repeats)
                same = "yes" if got.tobytes() == want.tobytes() else "NO"
                cells += [f"{t_c / products * 1e9:.2f}", same]
            print(f"{cells[0]:>20}  {cells[1]:>10}  {cells[2]:>9}  {cells[3]:>7}  {cells[4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
