"""Benchmark: how long the instructor waits for `make book` (clean and warm) and `make test`.

    .venv/bin/python bench/build.py        (make bench runs every bench/*.py)

The book is built in a fresh clone of this repository (committed work only),
reusing this checkout's .venv and node_modules so that what is timed is the
build, not the package downloads: once from nothing (every notebook executes)
and once more with jupyter-cache warm (no notebook changed, nothing executes).

`make test` from a fresh clone (venv creation and package installation
included, as CI runs it) takes longer than the rest of `make bench` together,
so this reports the figure recorded by `make bench-fresh-test`
(bench/_fresh_test.py, kept in bench/fresh-test.json with its commit), and
measures it again first only when asked:

    BENCH_FRESH_TEST=1 make bench

Writes _build/bench/build.md.
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import _common  # first: sets the BLAS threads (and a file-only plot backend) before NumPy
import _fresh_test

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "build"
# Treat the set-up stamps as up to date: the clone's files are newer than the
# shared .venv's stamp, and make must not rebuild a .venv it shares.
REUSE = ["-o", ".venv/.installed", "-o", "node_modules/.installed"]


def timed(command, cwd, env=None):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise SystemExit(f"{' '.join(command)} failed in {cwd} (exit {done.returncode}):\n{tail}")
    return seconds


def fresh_test_row():
    """(seconds, when) of the `make test` recorded by `make bench-fresh-test`."""
    record = _fresh_test.recorded()
    if record is None:
        return "not measured yet: `make bench-fresh-test` measures it", ""
    behind = record["behind"]
    if behind is None:
        since = "a commit not in this history"
    else:
        since = "this commit" if behind == 0 else f"{behind} commit(s) before this one"
    return (f"{record['seconds']}", f"recorded by `make bench-fresh-test` at "
            f"{record['commit'][:7]}, {since}, {record['date']} ({record['machine']}; "
            f"{record['summary']})")


def main():
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        book = _common.clone(Path(tmp) / "book")
        for shared in (".venv", "node_modules"):
            (book / shared).symlink_to(ROOT / shared)
        clean = timed(["make", *REUSE, "book"], book)
        rows.append(("`make book`, clean (every notebook executes)", f"{clean:.0f}",
                     "measured in this run"))
        warm = timed(["make", *REUSE, "book"], book)
        rows.append(("`make book`, warm jupyter-cache (nothing changed)", f"{warm:.0f}",
                     "measured in this run"))
    if os.environ.get("BENCH_FRESH_TEST") == "1":
        _fresh_test.main()
    rows.append(("`make test` from a fresh clone (venv, packages, book, every test)",
                 *fresh_test_row()))
    report = "\n".join([
        "## Building the book and running the tests",
        "",
        _common.environment(),
        "",
        "Wall-clock seconds in a fresh clone of the committed work, reusing this checkout's "
        ".venv and node_modules (so package downloads are not counted, except for the "
        "fresh-clone `make test`, which sets everything up as CI does).",
        "",
        _common.table(("command", "seconds", "when"), rows),
    ])
    _common.write_report(TOPIC, report)


if __name__ == "__main__":
    main()
