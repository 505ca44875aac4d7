"""Cheating submissions earn nothing beyond their honest score.

Each submission below is the small problem set 9 (tests/grading_course.py: two
autograded questions worth 2 points each, one graded by hand) with an attack
in it.  Its honest score is what its answers deserve once the attack is taken
away: 0 when both answers are wrong, 2 when only q1 is right, 4 when both are.
The attacks are those that fool graders which test inside the student's
kernel (redefining numpy.allclose, patching the checker, forging results) and
those that try to take the grader or the machine down (exits, loops, memory,
processes, output floods, killing the runner).  Dangerous ones are bounded:
the fork bomb forks at most 500 processes that sleep, the memory bombs ask for
a few GiB once, and everything the sandbox user started is killed afterwards.

All submissions are graded two at a time, as `matdiff grade-all` would.
"""

import concurrent.futures
import hashlib
import os
import queue
from pathlib import Path

import pytest
from matdiff.grading import sandbox
from matdiff.grading.grader import grade_notebook
from matdiff.grading.problemset import ProblemSet

from tests.grading_course import (
    RIGHT_Q1,
    RIGHT_Q2,
    idle_sandbox_uids,
    make_course,
    submission,
)

LIMITS = sandbox.Limits(cell_timeout=8, total_timeout=150, memory=2**30,
                        address_space=int(2.5 * 2**30), processes=64)
WRONG_Q1 = "def d_square(X, dX):\n    return np.zeros_like(X)"
WRONG_Q2 = "def outer_vec(v):\n    return np.ones(len(v) ** 2)"

PATCH_NUMPY = """\
import numpy, numpy.testing
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_equal = lambda *a, **k: None
assert numpy.allclose(1, 2)
"""

PATCH_MATDIFF = """\
import matdiff, matdiff.check
import matdiff.grading.compare as compare
ok = matdiff.check.CheckResult(True, 0.0, "ok")
matdiff.check_derivative = matdiff.check.check_derivative = lambda *a, **k: ok
matdiff.check_gradient = matdiff.check.check_gradient = lambda *a, **k: ok
for cls in (compare.DerivativeCheck, compare.GradientCheck, compare.ArrayCheck):
    cls.verdict = lambda self, *a, **k: compare.Verdict(True, "ok")
compare.as_answer = lambda value, name="": numpy.zeros(0)
"""

REPLACE_MODULES = """\
import json, os, sys, types
fake = types.ModuleType("matdiff.grading.capture")

def capture(namespace, folder):
    # Forge an answer for every call: ones, shaped like the first argument.
    calls = json.load(open(os.path.join(folder, "calls.json")))
    os.makedirs(os.path.join(folder, "out"), exist_ok=True)
    for call in calls:
        first = np.load(os.path.join(folder, call["args"][0]["file"]))
        np.save(os.path.join(folder, "out", call["id"] + ".npy"), np.ones_like(first))

fake.capture = capture
sys.modules["matdiff.grading.capture"] = fake
import matdiff.grading
matdiff.grading.capture = fake
numpy_proxy = types.ModuleType("numpy")
numpy_proxy.__dict__.update(np.__dict__)
numpy_proxy.allclose = lambda *a, **k: True
sys.modules["numpy"] = numpy_proxy
"""

# Find the master solution and the hidden tests by searching the disk, and take
# the answers from the master.  Without the sandbox this finds them (see the
# control test below).
READ_FILES = """\
import json, os, time
def find_course_files(roots, budget=3.0):
    found, start = [], time.monotonic()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if time.monotonic() - start > budget:
                return found
            dirnames[:] = [d for d in dirnames if d not in (".venv", "node_modules", ".git")]
            found += [os.path.join(dirpath, f) for f in filenames
                      if f in ("pset9.ipynb", "pset9.py")]
    return found

stolen = ""
for path in find_course_files(ROOTS):
    try:
        nb = json.load(open(path))
    except (OSError, ValueError):
        continue
    stolen += "\\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
for secret in ("/etc/shadow", "/proc/1/environ"):
    try:
        stolen += "#" + open(secret).read(10)
    except OSError:
        pass
exec(stolen)
"""

WRITE_FILES = """\
import json, os
fake = json.dumps({"score": 100, "output": "all right", "tests": []})
for target in ["results.json", "../results.json", "../../results.json", "/tmp/results.json",
               "/var/tmp/results.json", "/dev/shm/results.json",
               "/autograder/results/results.json", os.path.expanduser("~/results.json")]:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, "w") as f:
            f.write(fake)
    except OSError:
        pass
try:
    os.symlink("/etc/passwd", "/tmp/matdiff-cheat-link")
except OSError:
    pass
"""

LYING_OBJECTS = """\
class Liar:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__

class FakeArray:
    def __array__(self, dtype=None, copy=None):
        return np.array([Liar()], dtype=object)

class Sneaky(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)

def d_square(X, dX):
    return np.zeros_like(X).view(Sneaky)

def outer_vec(v):
    return Liar() if len(v) == 1 else FakeArray()
"""

EXIT_IN_ANSWER = "def outer_vec(v):\n    import os\n    os._exit(0)"

STUBBORN_LOOP = """\
import time
while True:
    try:
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass
"""

MEMORY_BOMB = """\
def outer_vec(v):
    import mmap
    shared = 0.0
    try:   # shared memory is not counted by RLIMIT_DATA; RLIMIT_AS catches it
        m = mmap.mmap(-1, 4 * 2**30)
        shared = 1.0
        m.close()
    except (OSError, MemoryError, ValueError, OverflowError):
        pass
    try:
        big = np.ones(3 * 2**30 // 8)   # 3 GiB of private memory
        return np.array([shared, 1.0, big.size])
    except MemoryError:
        return np.array([shared, 0.0, 0.0])
"""

FORK_BOMB = """\
def outer_vec(v):
    import os, time
    count = 0
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        count += 1
    return np.array([float(count)])
"""

ESCAPE = """\
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(300)
    os._exit(0)
"""

FLOOD = """\
for _ in range(2000):
    print("x" * 100_000)
print("y" * 200_000_000)
"""

KILL_EVERYTHING = """\
import os, signal
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) not in (os.getpid(), 1):
        try:
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
"""

STOP_THE_RUNNER = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)"


def cheats(roots):
    """name -> (notebook bytes, honest score)."""
    return {
        "monkeypatch numpy.allclose and numpy.testing": (
            submission(WRONG_Q1, WRONG_Q2, extra={"preamble": PATCH_NUMPY}), 0),
        "monkeypatch matdiff's checks": (
            submission(WRONG_Q1, WRONG_Q2, extra={"preamble": PATCH_MATDIFF}), 0),
        "replace modules in sys.modules": (
            submission(WRONG_Q1, WRONG_Q2, extra={"preamble": REPLACE_MODULES}), 0),
        "read the master and hidden tests from disk": (
            submission(WRONG_Q1, WRONG_Q2, extra={"q2": f"ROOTS = {roots!r}\n" + READ_FILES}),
            0),
        "write results.json and links outside its folder": (
            submission(WRONG_Q1, WRONG_Q2, extra={"q1": WRITE_FILES}), 0),
        "lying __eq__ and __array__": (submission(LYING_OBJECTS, "", ), 0),
        "os._exit in an answer": (submission(RIGHT_Q1, EXIT_IN_ANSWER), 2),
        "an infinite loop that ignores interrupts": (
            submission(RIGHT_Q1, RIGHT_Q2, extra={"q1": STUBBORN_LOOP}), 2),
        "memory bombs": (submission(RIGHT_Q1, MEMORY_BOMB), 2),
        "a fork bomb and an escaping daemon": (
            submission(RIGHT_Q1, FORK_BOMB, extra={"q3": ESCAPE}), 2),
        "flooding output": (submission(RIGHT_Q1, RIGHT_Q2, extra={"q3": FLOOD}), 4),
        "killing every process it can": (
            submission(RIGHT_Q1, RIGHT_Q2, extra={"q3": KILL_EVERYTHING}), 4),
        "stopping the runner": (submission(RIGHT_Q1, RIGHT_Q2, extra={"q3": STOP_THE_RUNNER}),
                                4),
    }


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(str(path).encode() + path.read_bytes())
    return h.hexdigest()


def sandbox_files(uids):
    """Files owned by the sandbox users in the shared temporary folders (two levels)."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        for path in [Path(top), *Path(top).iterdir()]:
            entries = [path]
            if path.is_dir() and not path.is_symlink():
                try:
                    entries += list(path.iterdir())
                except OSError:
                    continue
            for entry in entries:
                try:
                    if entry.lstat().st_uid in uids:
                        found.append(entry)
                except OSError:
                    pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("course"))
    pset = ProblemSet.load(course, 9)
    roots = ["/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/autograder",
             str(Path.cwd())]
    cases = cheats(roots)
    before = digest(course)
    slots: queue.Queue = queue.Queue()
    for slot in range(2):
        slots.put(slot)

    def grade(data):
        slot = slots.get()
        try:
            return grade_notebook(data, pset, LIMITS, slot=slot)
        finally:
            slots.put(slot)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(grade, data) for name, (data, _) in cases.items()}
        reports = {name: future.result() for name, future in futures.items()}
    return {"reports": reports, "honest": {n: s for n, (_, s) in cases.items()},
            "course": course, "before": before, "roots": roots}


def test_there_are_at_least_ten_kinds_of_cheating(graded):
    assert len(graded["reports"]) >= 10


@pytest.mark.parametrize("name", list(cheats([])))
def test_cheating_earns_nothing_beyond_the_honest_score(graded, name):
    report = graded["reports"][name]
    assert report.score == graded["honest"][name], [(r.question.id, r.score, r.output)
                                                    for r in report.questions]


def feedback(graded, name, qid):
    return next(r.output for r in graded["reports"][name].questions if r.question.id == qid)


def test_lying_objects_are_refused_as_answers(graded):
    name = "lying __eq__ and __array__"
    assert "outer_vec returned a Liar, not a number or an array of numbers." in feedback(
        graded, name, "q2")
    assert "d_square is zero in every direction tried" in feedback(graded, name, "q1")


def test_the_memory_limits_caught_both_bombs(graded):
    report = graded["reports"]["memory bombs"]
    answers = list(report.answers["q2"].values())
    assert answers and all(a.tolist() == [0.0, 0.0, 0.0] for a in answers), answers


def test_the_process_limit_caught_the_fork_bomb(graded):
    counts = [a.item() for a in graded["reports"]["a fork bomb and an escaping daemon"]
              .answers["q2"].values()]
    # The first call forks until the limit stops it; later calls find no room left.
    assert 0 < counts[0] < LIMITS.processes and max(counts) < LIMITS.processes, counts


def test_an_exit_or_a_stubborn_loop_costs_only_its_question(graded):
    assert "The kernel died while running Problem 2" in feedback(
        graded, "os._exit in an answer", "q2")
    assert "ran for more than 8 s" in feedback(
        graded, "an infinite loop that ignores interrupts", "q1")


def test_files_written_outside_the_sandbox_folder_do_not_survive(graded):
    for path in ("/tmp/results.json", "/var/tmp/results.json", "/dev/shm/results.json",
                 "/tmp/matdiff-cheat-link", "/autograder"):
        assert not os.path.lexists(path), path
    assert digest(graded["course"]) == graded["before"]


def test_the_hidden_files_were_there_to_steal_without_the_sandbox(graded):
    # Control: the search in READ_FILES, run here, does find the master.
    namespace = {"ROOTS": graded["roots"] + [str(graded["course"])]}
    code = READ_FILES.split("stolen = ")[0]
    exec(code, namespace)
    found = namespace["find_course_files"](namespace["ROOTS"], budget=30)
    assert str(graded["course"] / "solutions" / "pset9.ipynb") in found


def describe(paths) -> str:
    """What a person needs to see to tell why `paths` were left behind."""
    lines = []
    mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    for path in paths:
        try:
            info = path.lstat()
            lines.append(f"{path}: mode {info.st_mode:o}, uid {info.st_uid}")
            inside = sorted(path.rglob("*"))[:15] if path.is_dir() else []
            lines += [f"  {entry.relative_to(path)} (uid {entry.lstat().st_uid})"
                      for entry in inside]
        except OSError as err:
            lines.append(f"{path}: {err}")
        lines += [f"  mounted: {m}" for m in mounts if str(path) in m]
    return "\n".join(lines)


def test_the_machine_is_left_as_found(graded):
    with idle_sandbox_uids() as uids:
        for uid in uids:
            assert [p for p in sandbox.user_processes(uid) if p[2] != "Z"] == []
        left = sandbox_files(uids)
        assert left == [], describe(left)
    left = list(Path("/tmp").glob("matdiff-grade-*"))
    assert not left, describe(left)
