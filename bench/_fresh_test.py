"""Time `make test` in a fresh clone of the committed work, as CI runs it, and record it.

    make bench-fresh-test

A fresh clone sets everything up from nothing (.venv from pip's cache, the
book built strictly, every test), which takes longer than the rest of
`make bench` together, so `make bench` does not run it: it reports the figure
recorded here, in bench/fresh-test.json (committed), with the commit it was
measured at.  `BENCH_FRESH_TEST=1 make bench` measures it again first.

A failing `make test` is reported and not recorded.
"""

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import _common

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "bench" / "fresh-test.json"
LOG = ROOT / "_build" / "bench-fresh-test.log"


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def measure():
    """Seconds of `make test` in a fresh clone of HEAD, and the commit; exits on failure."""
    commit = git("rev-parse", "HEAD")
    with tempfile.TemporaryDirectory(prefix="bench-fresh-") as tmp:
        clone = Path(tmp) / "fresh"
        _common.clone(clone)
        print(f"make test in a fresh clone of {commit[:7]} ({clone}) ...", flush=True)
        start = time.perf_counter()
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(LOG, "w") as log:         # the whole output, stderr in its place
            done = subprocess.run(["make", "test"], cwd=clone, stdout=log,
                                  stderr=subprocess.STDOUT, text=True)
        seconds = time.perf_counter() - start
    output = LOG.read_text()
    if done.returncode != 0:
        # pytest's verdicts (FAILED/ERROR lines and its summary), else the last lines
        verdicts = [line for line in output.splitlines()
                    if line.startswith(("FAILED", "ERROR")) or re.match(r"=+ .* in [\d.]+s", line)]
        tail = "\n".join(verdicts[-30:] or output.splitlines()[-30:])
        raise SystemExit(f"make test failed in a fresh clone of {commit[:7]} after "
                         f"{seconds:.0f} s (nothing recorded; the whole output is in "
                         f"{LOG.relative_to(ROOT)}):\n{tail}")
    summary = next((line.strip("= ") for line in reversed(output.splitlines())
                    if " passed" in line), "")
    return {"seconds": round(seconds), "commit": commit, "summary": summary,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                       f"Python {platform.python_version()}"}


def recorded():
    """The recorded measurement (a dict) with `behind`, the commits since, or None."""
    if not RECORD.is_file():
        return None
    record = json.loads(RECORD.read_text())
    try:
        record["behind"] = int(git("rev-list", "--count", f"{record['commit']}..HEAD"))
    except subprocess.CalledProcessError:
        record["behind"] = None              # the commit is not in this clone's history
    return record


def main():
    record = measure()
    RECORD.write_text(json.dumps(record, indent=2) + "\n")
    print(f"make test from a fresh clone: {record['seconds']} s ({record['summary']}); "
          f"recorded in {RECORD.relative_to(ROOT)}: commit it to keep it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
