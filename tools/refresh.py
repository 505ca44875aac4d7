"""Re-execute notebooks in place: fresh stored outputs and saved widget state.

    python tools/refresh.py lectures/01-derivatives-as-linear-operators.ipynb ...

(`make refresh` runs it on every lecture and solution.)  Each notebook runs
top to bottom in a new kernel, in its own folder, exactly as nbval and the book
build will run it.  The file is rewritten only when every cell succeeded, so a
failing refresh never loses the stored outputs, and before running, the
install cell is pointed at the repository named in _config.yml.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
# pip's "git+https://github.com/owner/name" form, as written in the install cell.
INSTALL_URL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+?(?=[\"'#@\s]|\.git)")
TIME_LIMIT = 60  # seconds: a lecture must run in under a minute on 2 cores
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def point_install_cell(nb, url: str) -> bool:
    """Make the install cell name the book's repository; True if it changed."""
    for cell in nb.cells:
        if cell.cell_type == "code" and INSTALL_URL.search(cell.source):
            new = INSTALL_URL.sub(f"git+{url}", cell.source)
            changed = new != cell.source
            cell.source = new
            return changed
    return False


def refresh(path: str, timeout: int) -> tuple[str, bool, str]:
    """Execute one notebook; return (path, ok, message)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    point_install_cell(nb, repository_url())
    nb.metadata["kernelspec"] = dict(KERNEL)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True, record_timing=False)
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        return str(path), False, f"a cell raised; the file was left unchanged.\n{err}"
    except Exception as err:  # timeouts, dead kernels
        return str(path), False, (f"{type(err).__name__}: {err}; the file was left unchanged.")
    seconds = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(nb, path)
    note = f"ran in {seconds:.1f} s"
    if seconds > TIME_LIMIT:
        note += f" - over the {TIME_LIMIT} s budget for a notebook"
    return str(path), True, note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", help="notebooks to re-execute")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="notebooks run at once")
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    args = parser.parse_args(argv)

    missing = [p for p in args.notebooks if not Path(p).is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    failures = 0
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(refresh, p, args.timeout) for p in args.notebooks]
        for future in futures:
            path, ok, message = future.result()
            print(f"{'refreshed' if ok else 'FAILED'}  {path}: {message}", flush=True)
            failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
