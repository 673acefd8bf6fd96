"""The backward loop in a debugger: pdb, driven by scripted commands, stops in it and steps."""

import inspect
import math
import re
import subprocess
import sys
import textwrap

from micrograd_cbook import engine

SCRIPT = textwrap.dedent(
    """
    from micrograd_cbook import Value

    w, x = Value(0.5, "w"), Value(1.5, "x")
    z = w * x
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    a.backward()
    print(f"GRAD w {w.grad:.6f}")
    """
)


def line_of(function, text: str) -> int:
    """The file line number of the first line of ``function`` containing ``text``."""
    lines, first = inspect.getsourcelines(function)
    for offset, line in enumerate(lines):
        if text in line:
            return first + offset
    raise AssertionError(f"{text!r} not found in {function.__qualname__}")


def test_pdb_stops_in_backward_steps_prints_a_node_and_the_script_still_finishes(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    path = engine.__file__
    in_backward = line_of(engine.Value.backward, "backward_pass(")
    chain_rule = line_of(engine.backward_pass, "child.grad +=")
    commands = [
        f"break {path}:{in_backward}",  # 1: Value.backward
        f"break {path}:{chain_rule}",  # 2: the chain-rule line inside the loop
        "continue",  # stops in Value.backward
        "step",  # into backward_pass
        "continue",  # stops on the chain rule, first node
        "p node",
        "display child.grad",
        "next",  # the grad changes: pdb shows old and new
        "clear 1 2",
        "continue",  # the script runs to the end
        "quit",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert f"engine.py({in_backward})backward()" in out
    assert f"engine.py({chain_rule})backward_pass()" in out
    assert "Value(label='a', data=0.6792, grad=1.0000, op='sigmoid')" in out
    assert "display child.grad: 0.0" in out
    s = 1 / (1 + math.exp(-0.75))
    changed = re.search(r"display child\.grad: (\S+)  \[old: 0\.0\]", out)
    assert changed and math.isclose(float(changed[1]), s * (1 - s))  # z.grad = σ'(z) · 1
    assert f"GRAD w {1.5 * s * (1 - s):.6f}" in out  # ∂a/∂w = x · σ'(w·x)
    assert "Traceback" not in out
