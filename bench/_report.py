"""Join the benchmarks' reports _build/bench/<topic>.md into _build/bench/report.md."""

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "_build" / "bench"


def main():
    parts = sorted(p for p in OUT.glob("*.md") if p.name != "report.md")
    if not parts:
        raise SystemExit(f"no benchmark reports in {OUT}: run the bench/*.py scripts first")
    body = "\n\n".join(p.read_text().rstrip() for p in parts)
    (OUT / "report.md").write_text(f"# Benchmarks\n\n{body}\n")
    print(f"wrote {OUT / 'report.md'} from {', '.join(p.name for p in parts)}")


if __name__ == "__main__":
    main()
