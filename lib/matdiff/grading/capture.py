"""Answer capture: the code the sandbox runs in the student's kernel after a question's cells.

The sandbox worker writes, into a folder of its own, ``calls.json`` (which
answer to call, on which argument files) and the arguments as ``.npy`` files.
It then executes, in the kernel, a one-line cell that calls :func:`capture`
with the notebook's namespace.  Each answer is called on copies of the
arguments through :func:`matdiff.grading.compare.live_answer` (the same
wrapper the visible checks use), and its result is written as
``out/<call id>.npy`` with ``allow_pickle=False``, or, when there is no usable
result, its kind and a one-line reason in ``out/<call id>.txt``.

Nothing here is trusted afterwards: the worker reads the files right after the
cell (so later cells cannot change them) and the grader validates every
array again in its own process.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .compare import AnswerError, live_answer

__all__ = ["capture", "capture_source", "load_argument"]


def capture_source(folder: str) -> str:
    """The cell the worker runs: no new names are left in the student's namespace."""
    return (f'__import__("matdiff.grading.capture", fromlist=["capture"])'
            f'.capture(globals(), {folder!r})')


def load_argument(folder: str, spec: dict):
    """One argument: an array, a list or a number, from its .npy file."""
    value = np.load(os.path.join(folder, spec["file"]), allow_pickle=False)
    if spec["kind"] == "list":
        return value.tolist()
    if spec["kind"] == "scalar":
        return value.item()
    return value


def _write_text(path: str, text: str, kind: str = "error") -> None:
    """A reason for a missing answer: its kind on the first line, then the message."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{kind}\n{text[:2000]}")


def capture(namespace: dict, folder: str) -> None:
    """Evaluate the planned calls on the notebook's answers and write the results."""
    with open(os.path.join(folder, "calls.json"), encoding="utf-8") as f:
        calls = json.load(f)
    out = os.path.join(folder, "out")
    os.makedirs(out, exist_ok=True)
    for call in calls:
        name, target = call["name"], os.path.join(out, call["id"])
        if name not in namespace:
            _write_text(target + ".txt",
                        f"{name} is not defined when this problem's cells finish (was its cell "
                        "deleted, renamed, or moved below the next problem?).", "undefined")
            continue
        try:
            args = [load_argument(folder, spec) for spec in call["args"]]
            value = live_answer(namespace[name], name)(*args)
            np.save(target + ".npy", value, allow_pickle=False)
        except AnswerError as err:
            _write_text(target + ".txt", str(err), err.kind)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as err:   # SystemExit and the like from the student's code
            _write_text(target + ".txt", f"{name} raised {type(err).__name__}.")
