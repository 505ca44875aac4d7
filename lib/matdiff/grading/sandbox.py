"""Sandboxed execution: run a submission in another process, user and folder, under limits.

The grader never runs student code itself.  :func:`run` starts a *worker*
process (:mod:`matdiff.grading.boot`, then :mod:`matdiff.grading.worker`) that

1. when started as root: enters a private mount namespace (and, where allowed,
   a network namespace without network), in which the master solution and
   hidden tests are covered by empty folders, ``/tmp``, ``/var/tmp`` and
   ``/dev/shm`` are private, and closed directories on the way to the Python
   environment (such as ``/root``) are replaced by views that show only that
   environment;
2. sets resource limits: memory (RLIMIT_DATA and RLIMIT_AS), processes
   (RLIMIT_NPROC), CPU time, file size, open files, no core dumps;
3. when started as root: becomes an unprivileged user of its own (one uid per
   concurrent grading, so the process limit and the final clean-up concern
   only that grading), with no way back (no-new-privileges);
4. starts a kernel, which inherits all of the above, in an empty folder, and
   runs the notebook's cells in it with nbclient, with a time limit per cell;
5. after each question's cells, has the kernel evaluate the question's
   answers on the grader's inputs (:mod:`matdiff.grading.capture`), reads the
   results at once, and streams them to the grader as ``.npy`` bytes on a
   pipe the kernel cannot reach.

When a cell times out or the kernel dies, the worker reports which question it
was in and stops; :func:`run` then kills every process of the sandbox user and
starts again from the top, skipping the cells of the questions that failed, so
a crash costs only its question.

What is protected when the grader runs as root: the grader's process (another
user: no signals, no ptrace), the master solution and hidden tests (hidden by
the mount namespace, or by permissions: the Gradescope bundle makes its source
folder readable by root only), the results (written after the sandbox is gone,
readable only by their owner), the machine (limits, private temporary folders,
every sandbox process killed at the end).  When the grader does not run as
root, the submission runs as the instructor's own user: resource limits, time
limits and the separate process still hold, and answers still leave only as
numbers, but files readable by the instructor are readable by the submission,
and the process limit counts all of the instructor's processes.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import pwd
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import boot
from .boot import PR_SET_CHILD_SUBREAPER, prctl, user_processes

__all__ = ["Cancelled", "Execution", "Limits", "RegionResult", "claim_uid", "decode_npy",
           "kill_user", "needed_paths", "remove_folder", "run", "sandbox_uid", "user_processes"]

# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Limits:
    """Resource limits of a sandboxed run.

    Attributes
    ----------
    cell_timeout : float
        Seconds allowed for each cell (and for each question's answer capture).
    total_timeout : float
        Seconds allowed for the whole grading, restarts included.
    memory : int
        Bytes of data (heap and private mappings, RLIMIT_DATA) per process.
    address_space : int
        Bytes of address space (RLIMIT_AS) per process, a looser backstop that
        also bounds shared mappings; a Python kernel with NumPy reserves about
        1 GB of address space before it computes anything.
    processes : int
        Processes and threads of the sandbox user (RLIMIT_NPROC); a kernel and
        the worker use about 25.
    file_size : int
        Bytes per file written.
    open_files : int
        File descriptors per process.
    """

    cell_timeout: float = 60.0
    total_timeout: float = 540.0
    memory: int = 1536 * 2**20
    address_space: int = 4 * 2**30
    processes: int = 64
    file_size: int = 64 * 2**20
    open_files: int = 1024

    def __post_init__(self):
        for name in ("cell_timeout", "total_timeout", "memory", "address_space", "processes",
                     "file_size", "open_files"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}.")


# Seconds the worker may take to start a kernel (nbclient's own limit is 60).
STARTUP_TIMEOUT = 90
# The worker's per-line and total budgets for what it sends back.
MAX_LINE = 64 * 2**20
MAX_STREAM = 512 * 2**20
MAX_ANSWER_BYTES = 64 * 2**20

# Sandbox users: uids SANDBOX_UID, SANDBOX_UID + 1, ... (one per concurrent grading).
# 65000-65533 is reserved by Debian policy, so no real account uses these.
SANDBOX_UID = int(os.environ.get("MATDIFF_SANDBOX_UID", "65000"))


SANDBOX_UIDS = 500


def sandbox_uid(slot: int) -> int | None:
    """The uid preferred by concurrent grading number `slot`; None when not running as root."""
    if os.geteuid() != 0:
        return None
    return SANDBOX_UID + slot


def claim_uid(preferred: int) -> tuple[int, socket.socket]:
    """A sandbox uid no other grading uses now, from `preferred` up; and the lock holding it.

    Two graders on one machine (two `matdiff grade` at once, say) must not share
    a uid, or one's clean-up would kill the other's sandbox.  The lock is an
    abstract Unix socket name, ``matdiff-sandbox-<uid>``: binding it is
    exclusive, it vanishes with its holder, and it leaves no file behind.
    """
    for uid in range(preferred, SANDBOX_UID + SANDBOX_UIDS):
        try:
            pwd.getpwuid(uid)
            continue   # a real account: never borrow it
        except KeyError:
            pass
        lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            lock.bind(f"\0matdiff-sandbox-{uid}")
        except OSError:
            lock.close()
            continue
        return uid, lock
    raise RuntimeError(f"no free sandbox uid from {preferred} to {SANDBOX_UID + SANDBOX_UIDS}: "
                       "set MATDIFF_SANDBOX_UID to the first of a free range of uids.")


# ----------------------------------------------------------------------------- processes

def kill_user(uid: int, gid: int | None = None) -> None:
    """Kill every process of `uid` (root only), and reap the ones that were ours.

    ``kill(-1, SIGKILL)`` sent *as* that user reaches all its processes at once,
    however they were started (new sessions, double forks), while forks are
    blocked for the duration of the call.
    """
    gid = uid if gid is None else gid
    code = (f"import os; os.setgroups([]); os.setresgid({gid}, {gid}, {gid}); "
            f"os.setresuid({uid}, {uid}, {uid}); os.kill(-1, 9)")
    for _ in range(50):
        alive = [p for p in user_processes(uid) if p[2] != "Z"]
        for pid, ppid, state in user_processes(uid):
            if state == "Z" and ppid == os.getpid():
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
        if not alive:
            return
        subprocess.run([sys.executable, "-I", "-S", "-c", code], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.02)
    raise RuntimeError(f"processes of uid {uid} survive SIGKILL: {user_processes(uid)}")


def remove_folder(path, uid: int | None = None, *, tries: int = 6) -> str | None:
    """Remove a sandbox folder and all it holds; None once it is gone, else what is left and why.

    A failed removal is tried again after killing `uid`'s processes once more
    (root only) and a short, growing pause: a sandbox process still being torn
    down is the one thing that can put files back into the folder.
    """
    errors: list[str] = []

    def note(function, name, error):
        errors.append(f"{name}: {getattr(error, 'strerror', None) or error}")

    for attempt in range(tries):
        errors.clear()
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=note)
        else:   # onexc is new in 3.12; onerror passes (type, value, traceback)
            shutil.rmtree(path, onerror=lambda f, name, info: note(f, name, info[1]))
        if not os.path.lexists(path):
            return None
        if uid is not None:
            kill_user(uid)
        time.sleep(0.05 * 2 ** attempt)
    if not errors:
        errors.append("it came back after each removal")
    return f"{path} is still there ({'; '.join(errors[:5])}); remove it by hand"


def needed_paths() -> list[str]:
    """Folders the kernel must read: the interpreter, its libraries, matdiff."""
    import matdiff

    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                              sys.base_exec_prefix)}
    paths = prefixes | {os.path.dirname(os.path.realpath(sys.executable)),
                        os.path.dirname(os.path.dirname(os.path.realpath(matdiff.__file__)))}
    # Library folders only: not the grader's working folder, which sys.path may hold.
    paths |= {os.path.realpath(p) for p in sys.path if os.path.isabs(p) and os.path.isdir(p)
              and any(os.path.realpath(p).startswith(prefix + os.sep) for prefix in prefixes)}
    return sorted(paths)

# ----------------------------------------------------------------------------- answers


def decode_npy(data: bytes) -> np.ndarray:
    """Read a ``.npy`` file's bytes strictly: numeric dtypes only, sizes checked, no pickle."""
    from .compare import MAX_ANSWER_SIZE

    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except Exception as err:
        raise ValueError(f"not a valid .npy file ({err})") from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biufc":
        raise ValueError(f"the array has dtype {dtype}, not numbers")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > MAX_ANSWER_SIZE or any(n < 0 for n in shape):
        raise ValueError(f"the array has shape {shape}, far larger than the answer")
    body = data[f.tell():]
    if len(body) != count * dtype.itemsize:
        raise ValueError("the .npy file's size does not match its header")
    arr = np.frombuffer(body, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C").copy()


def encode_npy(value) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(value), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# ----------------------------------------------------------------------------- grader side


@dataclass
class RegionResult:
    """What happened to one question (or to the preamble) in the sandbox.

    Attributes
    ----------
    status : str
        ``'captured'`` (answers read), ``'ran'`` (cells ran; nothing to
        capture), ``'timeout'``, ``'died'`` (the kernel or the worker died),
        ``'not-run'``.
    answers : dict
        Call id -> ndarray, or str saying why there is no answer.
    errors : list of str
        Errors raised by the question's own cells (first line each).
    """

    status: str = "not-run"
    answers: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


@dataclass
class Execution:
    """The outcome of :func:`run`."""

    regions: dict
    attempts: int
    seconds: float
    log: str = ""
    setup_error: str | None = None


def _worker_env(box: str, run_dir: str) -> dict:
    bin_dir = os.path.dirname(sys.executable)
    return {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": box, "TMPDIR": box, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "USER": "student", "LOGNAME": "student",
        "JUPYTER_RUNTIME_DIR": f"{run_dir}/jupyter/runtime",
        "JUPYTER_DATA_DIR": f"{run_dir}/jupyter/data",
        "JUPYTER_CONFIG_DIR": f"{run_dir}/jupyter/config",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": f"{run_dir}/ipython", "MPLCONFIGDIR": f"{run_dir}/matplotlib",
        "MPLBACKEND": "agg", "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def _call_spec(call) -> dict:
    from .problemset import _arg_kind

    return {"id": call.id, "name": call.name,
            "args": [{"kind": _arg_kind(a), "npy": encode_npy(a)} for a in call.args]}


def _reader(stream, out: queue.Queue) -> None:
    """Forward the worker's JSON lines, within size budgets; None marks the end."""
    total = 0
    try:
        while True:
            line = stream.readline(MAX_LINE + 1)
            if not line:
                break
            total += len(line)
            if len(line) > MAX_LINE or total > MAX_STREAM:
                out.put({"event": "overflow"})
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                out.put(event)
    finally:
        out.put(None)


_subreaper_set = False


def _fresh_folder(path: Path, uid: int | None, gid: int | None) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=0o700)
    if uid is not None:
        os.chown(path, uid, gid)


def _decode_answers(raw) -> dict:
    answers = {}
    if not isinstance(raw, dict):
        return answers
    for call_id, item in raw.items():
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("error"), str):
            answers[str(call_id)] = item["error"][:2000]
        elif isinstance(item.get("npy"), str):
            try:
                data = base64.b64decode(item["npy"], validate=True)
                if len(data) > MAX_ANSWER_BYTES:
                    raise ValueError("the answer is far too large")
                answers[str(call_id)] = decode_npy(data)
            except (ValueError, TypeError) as err:
                answers[str(call_id)] = f"the answer could not be read: {err}"
    return answers


def run(cells: list, calls: dict, limits: Limits | None = None, *, uid: int | None = None,
        hide: list = (), workdir=None, cancel: threading.Event | None = None) -> Execution:
    """Run a submission's code cells in the sandbox and capture the answers.

    Parameters
    ----------
    cells : list of (region, source)
        Code cells in order; region is a question id or ``'preamble'``.
    calls : dict
        Question id -> list of :class:`~matdiff.grading.problemset.Call` to
        evaluate after that question's cells.  Questions not listed are run
        but not captured.
    limits : Limits, optional
    uid : int, optional
        Preferred sandbox user (the grader must be root): the first free uid
        from there is used (see :func:`claim_uid`); the gid is the same number.
    hide : sequence of path
        Files and folders the submission must not see.
    workdir : path, optional
        Where to make the temporary folder (default: the system's).
    cancel : threading.Event, optional
        When set, the run stops at once (its worker killed) and raises
        :class:`Cancelled`.

    Returns
    -------
    Execution
    """
    global _subreaper_set
    limits = limits or Limits()
    start = time.monotonic()
    deadline = start + limits.total_timeout
    lock = None
    if uid is not None:
        uid, lock = claim_uid(uid)
    gid = uid
    if not _subreaper_set:
        # Orphaned sandbox processes come back to us, to be reaped promptly.
        with contextlib.suppress(OSError):
            prctl(PR_SET_CHILD_SUBREAPER, 1)
        _subreaper_set = True
    if uid is not None:
        kill_user(uid, gid)   # leftovers of an interrupted earlier run

    regions_order = list(dict.fromkeys(region for region, _ in cells))
    results = {region: RegionResult() for region in regions_order}
    for qid in calls:
        results.setdefault(qid, RegionResult())
    done: set = set()      # regions captured or failed: never captured again
    failed: set = set()    # regions whose cells are skipped
    top = Path(tempfile.mkdtemp(prefix="matdiff-grade-", dir=workdir))
    os.chmod(top, 0o711)
    box, run_dir, log_path = top / "box", top / "run", top / "worker.log"
    # The kernel's sockets are files whose paths must be short (about 100 bytes).
    sockets = run_dir if len(str(run_dir)) <= 60 else Path(
        tempfile.mkdtemp(prefix="mdk-", dir="/tmp"))
    attempts, setup_error = 0, None
    try:
        while attempts <= len(regions_order) + 1:
            attempts += 1
            _fresh_folder(box, uid, gid)
            _fresh_folder(run_dir, uid, gid)
            if sockets != run_dir:
                _fresh_folder(sockets, uid, gid)
            plan = {
                "box": str(box), "run": str(run_dir), "sockets": str(sockets),
                "uid": uid, "gid": gid, "keep": needed_paths(),
                "hide": [str(h) for h in hide], "limits": limits.__dict__,
                "cells": [[region, source] for region, source in cells],
                "skip": sorted(failed),
                "capture": {qid: [_call_spec(c) for c in qcalls]
                            for qid, qcalls in calls.items() if qid not in done},
            }
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            finished, current, error = _attempt(plan, results, done, remaining, log_path, uid,
                                                cancel)
            if error is not None:
                setup_error = error
                break
            if finished:
                break
            # The worker stopped inside `current`: that region failed; start again
            # without its cells.  A region reported twice means no progress: stop.
            if current is None or current in failed:
                break
            failed.add(current)
            done.add(current)
        log = log_path.read_text(errors="replace")[-20000:] if log_path.exists() else ""
        return Execution(results, attempts, time.monotonic() - start, log, setup_error)
    finally:
        try:
            if uid is not None:
                kill_user(uid, gid)
        finally:
            # Whatever happened above, the folders go, and only then the uid.
            folders = [top] if sockets == run_dir else [top, sockets]
            problems = [why for folder in folders
                        if (why := remove_folder(folder, uid)) is not None]
            if lock is not None:
                lock.close()   # releases the uid
            for why in problems:
                warnings.warn(f"the grader could not clean up after a submission: {why}",
                              RuntimeWarning, stacklevel=2)


class Cancelled(Exception):
    """A sandboxed run was stopped from outside (Ctrl-C in grade-all)."""


def _attempt(plan, results, done, remaining, log_path, uid, cancel):
    """One worker run. Returns (finished, region it stopped in, setup error)."""
    with open(log_path, "ab") as log:
        os.chmod(log_path, 0o600)
        proc = subprocess.Popen(
            [sys.executable, "-I", boot.__file__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            env=_worker_env(plan["box"], plan["run"]), cwd="/", close_fds=True,
            start_new_session=True)
    events: queue.Queue = queue.Queue()
    feeder = threading.Thread(target=_feed, args=(proc, plan), daemon=True)
    feeder.start()
    reader = threading.Thread(target=_reader, args=(proc.stdout, events), daemon=True)
    reader.start()
    deadline = time.monotonic() + remaining
    # The worker enforces the time limit of each cell, but it runs as the
    # student's user, who can stop it: so the grader gives each region a budget
    # of its own (its cells and its capture, each within the cell limit).
    cell_limit = plan["limits"]["cell_timeout"]
    code_cells: dict = {}
    for region, source in plan["cells"]:
        code_cells[region] = code_cells.get(region, 0) + bool(source.strip())
    watchdog = time.monotonic() + STARTUP_TIMEOUT
    current, finished, error, kernels = None, False, None, []
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled
            now = time.monotonic()
            try:
                event = events.get(timeout=max(0.0, min(0.25, deadline - now, watchdog - now)))
            except queue.Empty:
                if time.monotonic() < min(deadline, watchdog):
                    continue
                if current is not None:
                    results[current].status = "timeout"
                break
            if event is None or event.get("event") == "overflow":
                if current is not None:
                    results[current].status = "died"
                break
            kind, region = event.get("event"), event.get("region")
            if region is not None and region not in results:
                continue   # nothing the grader asked about
            if kind == "kernel" and isinstance(event.get("pid"), int):
                kernels.append(event["pid"])
            elif kind == "setup_failed":
                error = str(event.get("message", "the sandbox could not start"))[:4000]
                break
            if kind == "region":
                current = region
                watchdog = time.monotonic() + (code_cells.get(region, 0) + 1) * cell_limit + 15
            elif kind == "cell_error" and region is not None:
                if len(results[region].errors) < 20:
                    results[region].errors.append(str(event.get("message", ""))[:300])
            elif kind == "ran" and region is not None and region not in done:
                results[region].status = "ran"
            elif kind == "captured" and region is not None and region not in done:
                results[region].status = "captured"
                results[region].answers = _decode_answers(event.get("answers"))
                done.add(region)
            elif kind in ("timeout", "died") and region is not None:
                if region not in done:
                    results[region].status = kind
                current = region
                break
            elif kind == "done":
                finished = True
                break
    finally:
        if uid is not None:
            kill_user(uid, uid)
        else:
            _kill_tree(proc.pid, kernels)
        proc.wait()
        proc.stdout.close()
    return finished, current, error


def _kill_tree(pid: int, extra: list) -> None:
    """Without root: kill the worker, its descendants and the kernels' process groups.

    (A process that left both on purpose, with setsid and a double fork, can
    escape this; as root, :func:`kill_user` leaves no such way out.)
    """
    pids = [pid, *extra]
    try:
        import psutil

        pids += [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except Exception:
        pass
    groups = set()
    for p in pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(p))
    for g in groups - {os.getpgid(0)}:
        with contextlib.suppress(OSError):
            os.killpg(g, signal.SIGKILL)
    for p in pids:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)


def _feed(proc, plan) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):
        proc.stdin.write(json.dumps(plan).encode())
        proc.stdin.close()
