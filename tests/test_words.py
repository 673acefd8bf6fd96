"""The words around the code: layer numbers that do not read as powers, notebooks that say
what their outputs show, and README commands that print what the README says."""

import json
import re
import shlex
from pathlib import Path

import pytest

from micrograd_cbook.cli import main

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {p.stem[:2]: p for p in (ROOT / "notebooks").glob("*.ipynb")}
MINE = ("02", "03", "04")  # notebook 01 is written elsewhere


def text_of(number: str, kind: str | None = None) -> str:
    cells = json.loads(NOTEBOOKS[number].read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if kind in (None, c["cell_type"]))


# a², z¹, w⁽ˡ⁾ written without parentheses: $a^2$ in LaTeX or a² in text
POWER_LIKE = re.compile(r"(?<![A-Za-z\\])[azwb](\^\d|\^L\b|[⁰¹²ˡ])")


@pytest.mark.parametrize("number", MINE)
def test_notebooks_write_layer_numbers_in_parentheses_not_as_powers(number):
    found = POWER_LIKE.findall(text_of(number))
    assert found == [], f"notebook {number}: {found}"


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "notebooks/README.md",
        "micrograd_cbook/equations.py",
        "micrograd_cbook/viz/plots.py",
        "micrograd_cbook/cli/demo.py",
    ],
)
def test_the_readmes_equations_and_demo_write_layer_numbers_in_parentheses(path):
    assert POWER_LIKE.findall((ROOT / path).read_text(encoding="utf-8")) == []


def test_notebook_02_reads_the_factors_in_the_order_explain_prints_them():
    words = text_of("02", "markdown")
    assert "left to right against (B)" not in words
    assert "in the order of the path, from the weight up to\nthe cost" in words
    assert "(B) writes the same five factors in another\norder" in words


def test_notebook_03_says_why_the_highlighted_weight_has_so_small_a_grad():
    words = text_of("03", "markdown")
    assert "3.3 \\cdot 10^{-6}" in words and "saturation" in words
    assert 'print(explain(C_row, weights["w1[1,0]"], labelled_only=True))' in text_of("03", "code")


def test_notebook_04_shows_the_straight_pieces_it_speaks_of():
    words, code = text_of("04", "markdown"), text_of("04", "code")
    assert "This picture cannot show that" in words
    assert "np.diff(score, 2)" in code  # the line through the plane, where they show


def test_the_readmes_step_formula_prints_what_the_readme_says(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command, comment = re.search(
        r"^(micrograd-cbook explain \"z = .*)\n# (∂C/∂w = .*)$", readme, re.M
    ).groups()
    assert main(shlex.split(command)[1:]) == 0
    assert comment in capsys.readouterr().out
