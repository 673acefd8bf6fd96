"""The README runs as written: python blocks in order, links, layout map, pdb recipe.

Convention (stated in the README's source): every ```python block runs, in order, in one fresh
namespace; a ```text block right after a python block is what that block prints, exactly.
"""

import contextlib
import importlib.util
import io
import re
import struct
import subprocess
from pathlib import Path

import pytest
from test_pdb import SCRIPT, run_pdb  # the same script and driver as the pdb tests

ROOT = Path(__file__).resolve().parent.parent
TORCH = importlib.util.find_spec("torch") is not None
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in BLOCK.finditer(README)]


def test_python_blocks_run_in_order_and_print_what_the_readme_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    found = blocks()
    ran = 0
    for i, (lang, code) in enumerate(found):
        if lang != "python":
            continue
        out = io.StringIO()
        torchless = [line for line in code.splitlines() if ".to_torch()" in line and not TORCH]
        for line in torchless:  # without PyTorch (Python 3.10 in CI) the bridge says how to get it
            code = code.replace(line, "")
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README block {i}", "exec"), namespace)
        for line in torchless:
            with pytest.raises(ImportError, match="PyTorch is not installed; install it with"):
                exec(compile(line, f"README block {i}", "exec"), namespace)
        ran += 1
        if (
            i + 1 < len(found)
            and found[i + 1][0] == "text"
            and not found[i + 1][1].startswith("(Pdb)")
        ):
            assert out.getvalue() == found[i + 1][1], f"block {i} printed otherwise"
    assert ran >= 6


def test_relative_links_and_images_exist():
    targets = re.findall(r"\]\(([^)#\s]+)", README) + re.findall(r'src="([^"]+)"', README)
    relative = [t for t in targets if "://" not in t]
    assert relative
    missing = [t for t in relative if not (ROOT / t).exists()]
    assert not missing


def test_images_are_shown_at_natural_size():
    # A width is allowed only for a PNG taken at twice its pixels: half of them, its CSS size.
    for src, width in re.findall(r'<img src="([^"]+)" width="(\d+)"', README):
        assert src.endswith(".png"), f"{src}: show pictures at natural size"
        pixels = struct.unpack(">I", (ROOT / src).read_bytes()[16:20])[0]  # the IHDR width
        assert int(width) * 2 == pixels, f"{src}: width {width}, natural {pixels // 2} at 2x"
    assert len(re.findall(r"<img[^>]*width=", README)) == len(
        re.findall(r'<img src="[^"]+" width="\d+"', README)
    ), "write <img src=... width=...> in that order"


def test_layout_map_names_every_module():
    files = subprocess.run(
        ["git", "ls-files", "micrograd_cbook"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    modules = {f.removeprefix("micrograd_cbook/") for f in files if f.endswith(".py")}
    layout = README[README.index("## Layout") :]
    missing = sorted(m for m in modules if not re.search(rf"^\s+{re.escape(m)}\s", layout, re.M))
    assert not missing, f"modules without a line in the README's Layout: {missing}"


def test_pdb_recipe_counts_of_next_show_the_grads_change(tmp_path):
    recipe = next(code for lang, code in blocks() if lang == "text" and "(Pdb)" in code)
    commands = []
    for line in recipe.splitlines():
        command, _, comment = line.removeprefix("(Pdb) ").partition("#")
        times = re.match(r"\s*(\d+) times", comment)
        commands += [command.strip()] * (int(times[1]) if times else 1)
    out = run_pdb(tmp_path, commands, SCRIPT)
    assert re.search(
        r"display \[c\.grad for c in node\.children\]: \[\S+\]  \[old: \[0\.0\]\]", out
    )
