"""Benchmark: how long each notebook takes to run, and its slowest cell.

    .venv/bin/python bench/notebooks.py        (make bench runs every bench/*.py)

Every lecture, solution and appendix notebook is executed once, one at a time,
in a fresh kernel in its own folder, as `make refresh`, nbval and the book
build run it; nothing is written back.  The figures are wall-clock seconds
(a student waits for wall-clock time), so they depend on the machine's load,
which the report states.  Each notebook must run in under 60 s on 2 cores.

Writes _build/bench/notebooks.md and _build/bench/notebooks-times.png.
"""

import sys
import time
from datetime import datetime
from pathlib import Path

import _common  # first: sets the BLAS threads (and a file-only plot backend) before NumPy
import matplotlib.pyplot as plt
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from refresh import TIME_LIMIT, point_install_cell, repository_url  # noqa: E402

TOPIC = "notebooks"
FOLDERS = ("lectures", "solutions", "appendix")


def cell_seconds(cell):
    """Wall-clock seconds of one executed cell, from nbclient's timing metadata."""
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except KeyError:
        return 0.0
    return (end - start).total_seconds()


def first_line(source):
    line = next((ln for ln in source.splitlines() if ln.strip()), "")
    line = line.replace("|", "\\|")
    return line if len(line) <= 60 else line[:57] + "..."


def run(path):
    nb = nbformat.read(path, as_version=4)
    point_install_cell(nb, repository_url())
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=True)
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    index, slowest = max(code, key=lambda ic: cell_seconds(ic[1]))
    return total, cell_seconds(slowest), index, first_line(slowest.source)


def main():
    paths = [p for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))]
    rows, names, totals = [], [], []
    for path in paths:
        name = str(path.relative_to(ROOT))
        total, cell_time, index, line = run(path)
        print(f"{name}: {total:.1f} s (slowest cell {index}: {cell_time:.1f} s)")
        verdict = "yes" if total < TIME_LIMIT else f"**no: over {TIME_LIMIT} s**"
        rows.append((name, f"{total:.1f}", verdict, f"{cell_time:.1f}", index, f"`{line}`"))
        names.append(path.stem)
        totals.append(total)

    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1))
    ax.barh(names[::-1], totals[::-1], color="tab:blue")
    ax.axvline(TIME_LIMIT, color="tab:red", linestyle="--", label=f"{TIME_LIMIT} s budget")
    ax.set_xlabel("wall-clock seconds, fresh kernel to last cell")
    ax.legend(loc="lower right")
    path = _common.figure_path(TOPIC, "times")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)

    report = "\n".join([
        "## Notebooks: execution time",
        "",
        _common.environment(),
        "",
        "Each notebook run once, alone, in a fresh kernel (kernel start-up included), "
        f"one at a time. Budget: {TIME_LIMIT} s each on 2 cores. Total: {sum(totals):.0f} s.",
        "",
        _common.table(("notebook", "seconds", f"under {TIME_LIMIT} s", "slowest cell (s)",
                       "cell index", "its first line"), rows),
        "",
        f"![execution times]({path.name})",
    ])
    _common.write_report(TOPIC, report)


if __name__ == "__main__":
    main()
