"""The backward loop in a debugger: pdb, driven by scripted commands, walks it node by node.

The natural habit: stop before ``a.backward()``, ``break Value.backward``, ``continue``, then
``next`` and ``p node``. The loop runs in ``backward()`` itself, so every ``next`` stays there.
"""

import math
import re
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    from micrograd_cbook import Value

    w, x = Value(0.5, "w"), Value(1.5, "x")
    z = w * x
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    breakpoint()
    a.backward()
    print(f"GRAD w {w.grad:.6f}")
    """
)


def run_pdb(tmp_path, commands: list[str], script: str = SCRIPT) -> str:
    path = tmp_path / "script.py"
    path.write_text(script)
    result = subprocess.run(
        [sys.executable, str(path)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONBREAKPOINT": "pdb.set_trace", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout
    return result.stdout


def test_break_value_backward_then_next_walks_the_chain_rule_loop_node_by_node(tmp_path):
    out = run_pdb(
        tmp_path,
        [
            "break Value.backward",
            "continue",  # stops on backward()'s first line: its grad is checked
            "next",  # `with claimed(self) as order:` orders the interior nodes
            "next",  # `zero_grads(order)`: interior grads are recomputed from 0
            "next",  # the seed: a.grad = 1
            "next",  # `for node in order:`
            "next",  # the first node, the root a
            "p node",
            "p node.children, node.local_grads",
            "display [c.grad for c in node.children]",
            "next",  # to `child.grad += local_grad * node.grad`
            "next",  # done: pdb shows z's grad change
            "next",  # back to `for node in order:`
            "next",  # the second node, z = w·x
            "p node",
            "continue",  # to the end: pdb stops in backward() only once per call
        ],
    )
    stops = re.findall(r"engine\.py\((\d+)\)(\w+)\(\)", out)
    assert stops and {name for _, name in stops} == {"backward"}  # next never leaves it
    assert "-> for node in order:" in out
    assert "-> child.grad += local_grad * node.grad" in out
    assert "Value(label='a', data=0.6792, grad=1.0000, op='sigmoid')" in out
    assert "((Value(label='z', data=0.7500, grad=0.0000, op='*'),), (0.2178" in out
    s = 1 / (1 + math.exp(-0.75))
    shown = re.escape("display [c.grad for c in node.children]: ")
    changed = re.search(shown + r"\[(\S+)\]  \[old: \[0\.0\]\]", out)
    assert changed and math.isclose(float(changed[1]), s * (1 - s))  # z.grad = σ'(z) · 1
    assert "Value(label='z', data=0.7500, grad=0.2179, op='*')" in out  # the next node: z
    assert f"GRAD w {1.5 * s * (1 - s):.6f}" in out  # ∂a/∂w = x · σ'(w·x)


def test_pdb_runcall_stops_in_backward_as_in_a_notebook(tmp_path):
    script = SCRIPT.replace("breakpoint()\na.backward()", "import pdb\npdb.runcall(a.backward)")
    assert "runcall" in script
    out = run_pdb(tmp_path, ["next"] * 5 + ["p node", "continue"], script)
    assert "Value(label='a', data=0.6792, grad=1.0000, op='sigmoid')" in out
    assert "GRAD w 0.326842" in out


@pytest.mark.parametrize("line", ["for node in order:", "child.grad += local_grad * node.grad"])
def test_the_chain_rule_loop_is_in_backward_itself(line):
    import inspect

    from micrograd_cbook import Value

    source = inspect.getsource(Value.backward)
    assert line in source
    loop = source[source.index("for node in order:") :].splitlines()
    assert len([row for row in loop if row.strip()]) == 3  # the loop: three lines
