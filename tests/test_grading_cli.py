"""The `matdiff` command: grade, grade-all (interrupted and resumed), the Gradescope bundle.

These run the command as a separate process, as an instructor (or
Gradescope) would.  The Gradescope bundle is tested by running its
`run_autograder` in a temporary folder laid out like Gradescope's
/autograder, with this environment's Python standing in for the one
`setup.sh` would install.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile

import pytest
from matdiff.grading import sandbox

from tests.conftest import ROOT
from tests.grading_course import RIGHT_Q1, RIGHT_Q2, idle_sandbox_uids, make_course, submission

MATDIFF = [sys.executable, "-m", "matdiff.grading.cli"]
FAST = ["--cell-timeout", "20", "--timeout", "120"]


def matdiff(*args, **kw):
    return subprocess.run([*MATDIFF, *map(str, args)], capture_output=True, text=True,
                          timeout=600, **kw)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("course"))


def test_grade_writes_gradescope_results_and_prints_a_summary(course, tmp_path):
    notebook = tmp_path / "pset9.ipynb"
    notebook.write_bytes(submission(RIGHT_Q1, "def outer_vec(v):\n    return v"))
    out = tmp_path / "out" / "results.json"
    result = matdiff("grade", notebook, "--pset", 9, "--course", course, "--out", out, *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Problem set 9: 2 of 4 points from the autograder")
    assert "outer_vec returned shape (1,), but the answer has shape (1,)" not in result.stdout
    data = json.loads(out.read_text())
    assert data["score"] == 2 and [t["score"] for t in data["tests"]] == [2, 0]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_grade_finds_the_notebook_in_a_gradescope_submission_folder(course, tmp_path):
    folder = tmp_path / "submission"
    (folder / "nested").mkdir(parents=True)
    out = tmp_path / "results.json"
    result = matdiff("grade", folder, "--pset", 9, "--course", course, "--out", out, *FAST)
    assert result.returncode == 0
    assert "The submission contains no notebook (.ipynb file): submit pset9.ipynb." in (
        json.loads(out.read_text())["output"])
    (folder / "nested" / "pset9.ipynb").write_bytes(submission(RIGHT_Q1, RIGHT_Q2))
    result = matdiff("grade", folder, "--pset", 9, "--course", course, "--out", out, *FAST)
    assert json.loads(out.read_text())["score"] == 4


def test_grade_needs_a_course(tmp_path):
    result = matdiff("grade", tmp_path / "x.ipynb", "--pset", 9, cwd=tmp_path)
    assert result.returncode != 0
    assert "no course repository (a folder with solutions/)" in result.stderr


def test_grade_all_can_be_interrupted_and_resumed(course, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for i in range(4):
        (folder / f"student{i}.ipynb").write_bytes(submission(RIGHT_Q1 if i % 2 else None,
                                                              RIGHT_Q2))
    csv_path = tmp_path / "grades.csv"
    results = tmp_path / "grades-results"
    proc = subprocess.Popen([*MATDIFF, "grade-all", str(folder), "--pset", "9", "--course",
                             str(course), "--out", str(csv_path), "--jobs", "1", *FAST],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # a shell's background job (nohup, `&`) starts with SIGINT
                            # ignored, and Python then installs no KeyboardInterrupt
                            # handler: give the child the default, as a terminal would
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (results.exists() and list(results.glob("*.json"))):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted: finished submissions are saved" in err
    finished = sorted(p.name for p in results.glob("*.json"))
    assert 1 <= len(finished) < 4
    assert not [p for p in results.iterdir() if p.name.startswith(".")], "a partial file"
    stamps = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}

    result = matdiff("grade-all", folder, "--pset", 9, "--course", course, "--out", csv_path,
                     "--jobs", 2, *FAST)
    assert result.returncode == 0, result.stderr
    assert f"graded {4 - len(finished)}, already graded {len(finished)}, total 4" in (
        result.stdout)
    assert all(p.stat().st_mtime_ns == stamps[p.name] for p in results.glob("*.json")
               if p.name in stamps)
    # stderr is not a terminal here: one line per submission, no progress bar
    assert result.stderr.count("graded ") == 4 - len(finished)
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "submission,score,max_score,q1,q2" and len(lines) == 5
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["2", "2", "4", "4"]
    with idle_sandbox_uids() as uids:
        for uid in uids:
            assert [p for p in sandbox.user_processes(uid) if p[2] != "Z"] == []


def test_the_progress_bar_draws_on_a_terminal():
    from matdiff.grading.grader import Progress

    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    progress = Progress(2, terminal)
    progress.step("a")
    progress.step("b")
    assert terminal.text.startswith("\r[" + "#" * 15 + "." * 15 + "] 1/2")
    assert "] 2/2" in terminal.text and terminal.text.endswith("\n")


# ---------------------------------------------------------------------------- Gradescope


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = matdiff("autograder", 1, "--course", ROOT, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def test_the_bundle_has_what_gradescope_runs(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in zf.infolist()}
        requirements = zf.read("source/requirements.txt").decode()
    assert {"setup.sh", "run_autograder", "source/solutions/pset1.ipynb",
            "source/tests/hidden/pset1.py", "source/matdiff/pyproject.toml",
            "source/matdiff/lib/matdiff/grading/worker.py"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert "numpy==" in requirements and "-e ." not in requirements
    assert not any("__pycache__" in n for n in names)


def test_setup_sh_is_valid_bash(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tmp_path)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0
    assert "pip\" install --no-cache-dir \"$ROOT/source/matdiff\"" in (
        tmp_path / "setup.sh").read_text()


def test_run_autograder_grades_in_a_gradescope_layout(bundle, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root)
    shutil.copy(ROOT / "solutions" / "pset1.ipynb", root / "submission" / "pset1.ipynb")
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root),
           "MATDIFF_PYTHON": sys.executable}
    result = subprocess.run(["bash", str(root / "run_autograder")], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 20 and len(data["tests"]) == 7
    assert stat.S_IMODE((root / "source").stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((root / "source" / "tests" / "hidden" / "pset1.py").stat()
                        .st_mode) & 0o077 == 0


# ---------------------------------------------------------------------------- without root

NON_ROOT_UID = 65100

WRAPPER = f"""\
import os, sys
from matdiff.grading.boot import drop_privileges, private_view
from matdiff.grading.sandbox import needed_paths
work = sys.argv[1]
private_view(needed_paths() + [work], [])   # (only so this uid reaches the Python in /root)
drop_privileges({NON_ROOT_UID}, {NON_ROOT_UID})
os.environ.update(HOME=work, TMPDIR=work)
os.execv(sys.executable, [sys.executable, "-m", "matdiff.grading.cli", *sys.argv[2:]])
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a non-root user")
def test_grading_works_without_root(tmp_path):
    work = tmp_path / "instructor"
    work.mkdir()
    course = make_course(work / "course")
    (work / "pset9.ipynb").write_bytes(submission(RIGHT_Q1, RIGHT_Q2))
    for path in [work, *work.rglob("*")]:
        os.chown(path, NON_ROOT_UID, NON_ROOT_UID)
    try:
        result = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(work), "grade", str(work / "pset9.ipynb"),
             "--pset", "9", "--course", str(course), "--out", str(work / "results.json"),
             *FAST], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert json.loads((work / "results.json").read_text())["score"] == 4
        assert (work / "results.json").stat().st_uid == NON_ROOT_UID
    finally:
        sandbox.kill_user(NON_ROOT_UID)
    assert [p for p in sandbox.user_processes(NON_ROOT_UID) if p[2] != "Z"] == []
