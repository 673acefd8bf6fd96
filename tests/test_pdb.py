"""The backward loop in a debugger: pdb, driven by scripted commands, stops at each node."""

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


def test_pdb_stops_at_each_node_of_the_backward_pass_and_shows_its_children_grads_change(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    path = engine.__file__
    in_backward = line_of(engine.Value.backward, "backward_pass(")
    at_node = line_of(engine.backward_pass, "g = node.grad")
    commands = [
        f"break {path}:{in_backward}",  # 1: Value.backward
        f"break {path}:{at_node}",  # 2: the top of the loop, once per node
        "continue",  # stops in Value.backward
        "step",  # into backward_pass
        "continue",  # stops at the first node, the sigmoid
        "p node",
        "p node.children, node.local_grads",
        "display [c.grad for c in node.children]",
        *["next"] * 5,  # through the one-child branch: the child's grad changes
        "continue",  # the second node, z = w·x
        "p node",
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
    assert f"engine.py({at_node})backward_pass()" in out
    assert "Value(label='a', data=0.6792, grad=1.0000, op='sigmoid')" in out
    s = 1 / (1 + math.exp(-0.75))
    assert "((Value(label='z', data=0.7500, grad=0.0000, op='*'),), (0.2178" in out
    shown = re.escape("display [c.grad for c in node.children]: ")
    changed = re.search(shown + r"\[(\S+)\]  \[old: \[0\.0\]\]", out)
    assert changed and math.isclose(float(changed[1]), s * (1 - s))  # z.grad = σ'(z) · 1
    assert "Value(label='z', data=0.7500, grad=0.2179, op='*')" in out  # the next stop: z
    assert f"GRAD w {1.5 * s * (1 - s):.6f}" in out  # ∂a/∂w = x · σ'(w·x)
    assert "Traceback" not in out
