"""The ``matdiff`` command: release problem sets, grade submissions, build Gradescope bundles.

::

    matdiff release [N ...] [--check]         regenerate psets/psetN.ipynb from solutions/
    matdiff questions N                       the questions of problem set N, as JSON
    matdiff grade SUBMISSION --pset N [--out results.json]
    matdiff grade-all DIR --pset N --out grades.csv [--jobs J]
    matdiff autograder N --out DIR_OR_ZIP     the Gradescope autograder bundle

Every command works on the course repository found from the current folder
upwards (the folder holding ``solutions/``), or the one given by ``--course``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def find_course(start=None) -> Path:
    """The course repository: `start` or the nearest parent holding ``solutions/``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "solutions").is_dir():
            return folder
    raise SystemExit(f"matdiff: no course repository (a folder with solutions/) at or above "
                     f"{here}; pass --course.")


def _course(args) -> Path:
    if args.course is not None:
        path = Path(args.course)
        if not (path / "solutions").is_dir():
            raise SystemExit(f"matdiff: --course {path} has no solutions/ folder.")
        return path
    return find_course()


def _limits(args):
    from .sandbox import Limits

    defaults = Limits()
    return Limits(cell_timeout=args.cell_timeout or defaults.cell_timeout,
                  total_timeout=args.timeout or defaults.total_timeout,
                  memory=(args.memory_mb or defaults.memory // 2**20) * 2**20)


def _load(course: Path, number: int):
    from .problemset import ProblemSet

    try:
        return ProblemSet.load(course, number)
    except (OSError, ValueError) as err:
        raise SystemExit(f"matdiff: {err}") from None


# ----------------------------------------------------------------------------- commands


def release(course: Path, numbers=None, *, check: bool = False) -> list[Path]:
    """Regenerate (or with `check`, compare) the student editions; return the stale ones."""
    import nbformat

    from .notebook import student_edition

    masters = sorted((course / "solutions").glob("pset*.ipynb"))
    if numbers:
        wanted = {f"pset{n}.ipynb" for n in numbers}
        missing = wanted - {p.name for p in masters}
        if missing:
            raise SystemExit(f"matdiff: no master notebook {', '.join(sorted(missing))} in "
                             f"{course / 'solutions'}")
        masters = [p for p in masters if p.name in wanted]
    stale = []
    for master in masters:
        target = course / "psets" / master.name
        text = nbformat.writes(student_edition(nbformat.read(master, as_version=4))) + "\n"
        current = target.read_text() if target.exists() else None
        if current != text:
            stale.append(target)
            if not check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text)
    return stale


def _cmd_release(args) -> int:
    stale = release(_course(args), args.numbers, check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    if args.check and stale:
        print("run `matdiff release` to regenerate the student editions", file=sys.stderr)
        return 1
    if not stale:
        print("student editions are up to date")
    return 0


def _cmd_questions(args) -> int:
    pset = _load(_course(args), args.number)
    print(json.dumps([q.as_dict() for q in pset.questions], indent=1))
    return 0


def _cmd_grade(args) -> int:
    from .grader import GraderError, grade_notebook
    from .gradescope import results_json, summary, write_private

    pset = _load(_course(args), args.pset)
    try:
        report = grade_notebook(Path(args.submission), pset, _limits(args))
    except Exception as err:   # GraderError, or a bug: results.json must still be written
        if not isinstance(err, GraderError):
            import traceback

            traceback.print_exc()
        message = (f"The autograder failed: {err}. This is a problem of the grader, not of "
                   "your submission; your instructor has the details.")
        if args.out:
            write_private(args.out, json.dumps({"score": 0, "output": message, "tests": []},
                                               indent=1))
        print(f"matdiff: {err}", file=sys.stderr)
        return 2
    if args.out:
        write_private(args.out, json.dumps(results_json(report), indent=1))
    print(summary(report))
    return 0


def _cmd_grade_all(args) -> int:
    from .grader import GraderError, grade_folder

    pset = _load(_course(args), args.pset)
    try:
        counts = grade_folder(args.folder, pset, args.out, results_dir=args.results,
                              jobs=args.jobs, limits=_limits(args))
    except KeyboardInterrupt:
        print("\ninterrupted: finished submissions are saved; run the same command again to "
              "grade the rest", file=sys.stderr)
        return 130
    except (GraderError, NotADirectoryError, ValueError) as err:
        print(f"matdiff: {err}", file=sys.stderr)
        return 2
    print(f"graded {counts['graded']}, already graded {counts['skipped']}, "
          f"total {counts['total']}: {args.out}")
    return 0


def _cmd_autograder(args) -> int:
    from .gradescope import write_autograder

    course = _course(args)
    _load(course, args.number)
    out = write_autograder(course, args.number, args.out)
    print(f"wrote the Gradescope autograder of problem set {args.number}: {out}")
    return 0


# ----------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="matdiff", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", help="the course repository (default: found from the "
                                         "current folder upwards)")
    sub = parser.add_subparsers(dest="command", required=True)

    def limits(p):
        p.add_argument("--cell-timeout", type=float, help="seconds per cell (default 60)")
        p.add_argument("--timeout", type=float, help="seconds for a whole grading (default 540)")
        p.add_argument("--memory-mb", type=int, help="memory per process, MiB (default 1536)")

    p = sub.add_parser("release", parents=[common],
                       help="regenerate the student editions in psets/")
    p.add_argument("numbers", nargs="*", type=int, help="problem sets (default: all)")
    p.add_argument("--check", action="store_true", help="only report out-of-date editions")
    p.set_defaults(run=_cmd_release)

    p = sub.add_parser("questions", parents=[common],
                       help="print the questions of a problem set as JSON")
    p.add_argument("number", type=int)
    p.set_defaults(run=_cmd_questions)

    p = sub.add_parser("grade", parents=[common], help="grade one submission")
    p.add_argument("submission", help="the notebook, or a folder holding it")
    p.add_argument("--pset", type=int, required=True)
    p.add_argument("--out", help="write Gradescope's results.json here")
    limits(p)
    p.set_defaults(run=_cmd_grade)

    p = sub.add_parser("grade-all", parents=[common],
                       help="grade a folder of submissions in parallel")
    p.add_argument("folder")
    p.add_argument("--pset", type=int, required=True)
    p.add_argument("--out", required=True, help="the CSV of grades")
    p.add_argument("--results", help="folder of per-submission results (default: next to "
                                     "the CSV)")
    p.add_argument("--jobs", "-j", type=int, default=2)
    limits(p)
    p.set_defaults(run=_cmd_grade_all)

    p = sub.add_parser("autograder", parents=[common],
                       help="write the Gradescope autograder bundle")
    p.add_argument("number", type=int)
    p.add_argument("--out", required=True, help="a folder, or a .zip file")
    p.set_defaults(run=_cmd_autograder)
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
