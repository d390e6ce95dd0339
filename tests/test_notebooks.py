"""Every notebook under notebooks/ runs from top to bottom, and is stored without outputs.

The notebooks are executed with nbclient on a kernel running this interpreter (the venv's
python), with notebooks/ as the working folder, as Jupyter runs them. Every ``*.ipynb`` in the
folder is executed, including ones added later. Without nbclient/ipykernel (the ``test`` extra)
the execution tests skip with a reason, and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: seconds one notebook may take before nbclient gives up on a cell (a hang, not a speed check)
CELL_TIMEOUT = 600


def test_the_notebooks_are_there():
    names = {p.name for p in NOTEBOOKS}
    for name in ("01_loyalty_loop.ipynb", "02_compare_designs.ipynb", "03_sweeps_sensitivity.ipynb",
                 "04_calibration.ipynb", "05_retention_profit.ipynb"):
        assert name in names, name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs: strip them"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


def _kernel(tmp_path: Path):
    """A kernel manager for this interpreter (skip, or fail under CI, without the test extra)."""
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"{exc.name} is missing: pip install -e '.[test]' installs nbclient, nbformat, ipykernel")
    # a kernel spec naming this interpreter: not whatever "python3" Jupyter finds first on the machine
    spec = tmp_path / "kernels" / "loopsim-venv"
    spec.mkdir(parents=True)
    # Kernels run in parallel (pytest -n 2, other test runs on the machine) share nothing: an
    # IPython folder of its own (all kernels writing ~/.ipython's history database at once fail
    # or hang, ipython/ipython#11460), and sockets in tmp_path instead of TCP ports picked before
    # the kernel binds them (two kernels can be handed the same, jupyter/jupyter_client#487).
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "loopsim (this venv)", "language": "python",
        "env": {"IPYTHONDIR": str(tmp_path / "ipython")}}))
    ksm = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    sockets = {"transport": "ipc", "ip": str(tmp_path / "kernel")} if os.name == "posix" else {}
    return KernelManager(kernel_name="loopsim-venv", kernel_spec_manager=ksm,
                         connection_file=str(tmp_path / "kernel.json"), **sockets)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path):
    km = _kernel(tmp_path)
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()   # raises CellExecutionError naming the cell and the exception
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran), f"{path.name}: not every cell ran"
    # each notebook draws at least one figure: the run produced real output, not only text
    images = [o for c in ran for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name}: no figure was drawn"
    # the kernel kept its history in its own IPython folder, not the user's
    assert (tmp_path / "ipython" / "profile_default" / "history.sqlite").is_file()
