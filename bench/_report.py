"""Join the benchmarks' reports _build/bench/<topic>.md into _build/bench/report.md,
after a table of how long `make bench` itself took (from the Makefile's
_build/bench/started and timings.tsv)."""

import time
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "_build" / "bench"
BUDGET_MINUTES = 15


def duration_section():
    timings, started = OUT / "timings.tsv", OUT / "started"
    if not timings.is_file() or not started.is_file():
        return ""                           # the scripts were run by hand, not by make bench
    rows = [line.split("\t") for line in timings.read_text().splitlines() if line.strip()]
    scripts = sum(int(seconds) for _, seconds in rows)
    total = int(time.time()) - int(started.read_text().strip())
    lines = ["## How long `make bench` took", "",
             "| part | seconds |", "|---|---:|",
             f"| setting up the peers' environments (`.venv-peers`, `.venv-otter`) "
             f"| {total - scripts} |"]
    lines += [f"| `{script}` | {seconds} |" for script, seconds in rows]
    verdict = "within" if total <= 60 * BUDGET_MINUTES else "**over**"
    lines += [f"| **total** | **{total}** |", "",
              f"{total / 60:.1f} minutes, {verdict} the budget of {BUDGET_MINUTES} minutes "
              "(wall-clock; the environments are set up once and reused by later runs)."]
    return "\n".join(lines)


def main():
    parts = sorted(p for p in OUT.glob("*.md") if p.name != "report.md")
    if not parts:
        raise SystemExit(f"no benchmark reports in {OUT}: run the bench/*.py scripts first")
    body = "\n\n".join(p.read_text().rstrip() for p in parts)
    duration = duration_section()
    (OUT / "report.md").write_text(f"# Benchmarks\n\n{duration}\n\n{body}\n" if duration
                                   else f"# Benchmarks\n\n{body}\n")
    print(f"wrote {OUT / 'report.md'} from {', '.join(p.name for p in parts)}")


if __name__ == "__main__":
    main()
