"""Every notebook in notebooks/ runs top to bottom in a fresh kernel and shows its pictures.

Each notebook is executed with nbclient in the kernel named "python3" (``make venv`` installs
the venv's ipykernel under that name), one at a time, with the working directory set to a
temporary folder so files a notebook writes never land in the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

CELL_TIMEOUT = 120  # seconds per cell; a whole notebook aims for < 30 s on 2 cores
KERNEL = "python3"
SVG, PNG = "image/svg+xml", "image/png"

# The pictures each notebook must show; a notebook not listed must show at least one image.
EXPECTED_IMAGES = {
    "01_one_path_of_the_chain_rule": {SVG},
    "02_two_layers_equations_A_and_B": {SVG},
    "03_training_the_chapters_network": {SVG, PNG},
    "04_beyond_the_chapter": {PNG},
    "05_back_propagation_as_straight_line_code": set(),
    "07_curvature_and_newtons_method": {SVG, PNG},
}


def _kernel_env() -> dict[str, str]:
    """The test process's environment, minus settings that would hide inline plots."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # ipykernel's inline backend then draws into the notebook
    env["TQDM_DISABLE"] = "1"  # progress bars add nothing to a test run
    return env


def _missing(message: str) -> None:
    """Skip on a developer's machine; in CI a missing tool is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _require_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        _missing(
            f"no Jupyter kernel named {KERNEL!r}; run `make venv` "
            f"(it runs `python -m ipykernel install --sys-prefix --name {KERNEL}`)"
        )


def _mime_types(nb) -> set[str]:
    found: set[str] = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}))
    return found


def test_every_listed_notebook_is_there():
    missing = set(EXPECTED_IMAGES) - {p.stem for p in NOTEBOOKS}
    assert not missing, f"notebooks/ lacks {sorted(missing)}"


def test_notebooks_are_committed_without_outputs():
    """Outputs are cleared before committing: small files, clean diffs (see notebooks/README.md)."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        dirty = [
            i
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
        ]
        assert not dirty, f"{path.name}: clear the outputs of cells {dirty}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_pictures(path: Path, tmp_path: Path):
    _require_kernel()
    if SVG in EXPECTED_IMAGES.get(path.stem, ()) and shutil.which("dot") is None:
        _missing(f"{path.name} draws graphs and Graphviz's dot is not on PATH (`make dot`)")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    try:
        client.execute(env=_kernel_env(), transport_encryption="auto")  # no TCP warning
    except nbclient.exceptions.CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the traceback without terminal colours
        pytest.fail(f"{path.name} failed:\n{plain}", pytrace=False)
    seconds = time.perf_counter() - start
    print(f"{path.name}: {seconds:.1f} s")

    found = _mime_types(nb)
    expected = EXPECTED_IMAGES.get(path.stem)
    if expected is None:
        assert found & {SVG, PNG}, f"{path.name} shows no picture; outputs: {sorted(found)}"
    else:
        missing = expected - found
        assert not missing, f"{path.name} shows no {sorted(missing)}; outputs: {sorted(found)}"
    errors = [
        output
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
