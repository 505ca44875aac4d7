"""The sandbox's first step: isolate this process, then start the kernel.

The grader runs this file as a script, ``python -I .../boot.py``, and writes
the plan (JSON) to its stdin.  It uses the standard library only, so that it
can isolate itself and launch the student's kernel at once; the heavier
imports of the worker (nbclient, jupyter_client) then happen while the kernel
boots, on another core.  Isolation, when started as root:

1. a private mount namespace in which the master solution and hidden tests
   are covered by empty folders, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are
   private and small, and closed directories on the way to the Python
   environment (such as ``/root``) are replaced by views that show only that
   environment; where allowed, a network namespace without network;
2. resource limits: data and address space, processes, CPU time, file size,
   open files, no core dumps;
3. an unprivileged uid of its own, with no way back (no-new-privileges) and
   not dumpable, so the student's code can neither trace nor read it.

Without root only the limits apply.  The kernel inherits all of it.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import secrets
import stat
import subprocess
import sys
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _encode(s):
    return s.encode() if isinstance(s, str) else s


def mount(source, target, fstype, flags, data=None) -> None:
    _check(_libc.mount(_encode(source), _encode(target), _encode(fstype),
                       ctypes.c_ulong(flags), _encode(data)), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def user_processes(uid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, state) of every process whose real uid is `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(fields["Uid"].split()[0]) == uid:
            found.append((int(entry), int(fields["PPid"].split()[0]),
                          fields["State"].split()[0]))
    return found


# ----------------------------------------------------------------------------- the view


def _others_can_enter(path: str) -> bool:
    return bool(os.stat(path).st_mode & stat.S_IXOTH)


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _cover(folder: str, keep: list[str], mode: str = "0755") -> None:
    """Mount an empty tmpfs over `folder`, then show only the `keep` paths inside it.

    The kept paths are opened first and bound from ``/proc/self/fd``, which
    still reaches them once the tmpfs hides their original location.
    """
    fds = [os.open(k, os.O_PATH | os.O_DIRECTORY) for k in keep]
    try:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size=64m")
        for path, fd in zip(keep, fds):
            os.makedirs(path, mode=0o755, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
    finally:
        for fd in fds:
            os.close(fd)


def private_view(keep: list[str], hide: list[str]) -> list[str]:
    """Enter a mount namespace where `hide` is hidden and, where closed, only `keep` shows.

    `keep` are the folders the sandbox must reach (the Python environment, the
    sandbox's own folders).  Returns notes on what was done; raises OSError
    when namespaces are not allowed (as in an unprivileged container).
    """
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = sorted({os.path.realpath(k) for k in keep})
    notes = []
    for h in hide:
        h = os.path.realpath(h)
        if not os.path.lexists(h):
            continue
        if any(_inside(k, h) for k in keep):
            notes.append(f"not hidden (it holds what the kernel needs): {h}")
        elif os.path.isdir(h):
            mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16k")
        else:
            mount("/dev/null", h, None, MS_BIND)
    covered: dict = {}
    for k in keep:
        parts = Path(k).parts
        for i in range(2, len(parts)):
            ancestor = str(Path(*parts[:i]))
            if not _others_can_enter(ancestor):
                covered.setdefault(ancestor, [])
                break
    for folder in SHARED_TEMP:
        if os.path.isdir(folder) and not any(_inside(folder, c) for c in covered):
            covered.setdefault(folder, [])
    for folder in sorted(covered, key=len):
        inner = [k for k in keep if _inside(k, folder) and k != folder]
        # Shared temporary folders stay writable by all, as usual, but private.
        _cover(folder, inner, "1777" if folder in SHARED_TEMP else "0755")
        notes.append(f"covered {folder}, showing {inner}")
    return notes


# ----------------------------------------------------------------------------- limits and user


def set_limits(limits: dict, processes: int) -> None:
    cpu = int(limits["total_timeout"]) + 30
    for which, value in ((resource.RLIMIT_DATA, limits["memory"]),
                         (resource.RLIMIT_AS, limits["address_space"]),
                         (resource.RLIMIT_NPROC, processes),
                         (resource.RLIMIT_FSIZE, limits["file_size"]),
                         (resource.RLIMIT_NOFILE, limits["open_files"]),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def drop_privileges(uid: int, gid: int) -> None:
    """Become `uid` for good (root only)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not change user")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise RuntimeError("the sandbox user could become root again")


def isolate(plan: dict) -> list[str]:
    """Everything above, in order: namespace, limits, user."""
    notes = []
    limits = plan["limits"]
    if os.geteuid() == 0 and plan["uid"] is not None:
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")   # under memory pressure, the sandbox goes first
        except OSError:
            pass
        own = [plan["box"], plan["run"], plan["sockets"]]
        try:
            notes += private_view(plan["keep"] + own, plan["hide"])
        except OSError as err:
            notes.append(f"no private mount namespace ({err}); relying on permissions")
        try:
            _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
            notes.append("no network")
        except OSError as err:
            notes.append(f"network left as is ({err})")
        set_limits(limits, limits["processes"])
        drop_privileges(plan["uid"], plan["gid"])
    else:
        # Without root the process limit counts all of this user's processes.
        set_limits(limits, limits["processes"] + len(user_processes(os.getuid())))
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    executable = os.path.realpath(sys.executable)
    if not os.access(executable, os.X_OK) or not os.access(os.__file__, os.R_OK):
        raise RuntimeError(
            f"the sandbox user (uid {os.getuid()}) cannot run {executable}: make the Python "
            "environment readable by all users (chmod -R o+rX), or let the grader use mount "
            "namespaces (run it as root outside an unprivileged container).")
    return notes


# ----------------------------------------------------------------------------- the kernel


def launch_kernel(plan: dict) -> tuple[subprocess.Popen, str]:
    """Start an IPython kernel on IPC sockets, as jupyter_client would; return it and its
    connection file."""
    connection = {
        "transport": "ipc", "ip": os.path.join(plan["sockets"], "k"),
        "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
        "key": secrets.token_hex(32), "signature_scheme": "hmac-sha256",
        "kernel_name": "python3",
    }
    path = os.path.join(plan["run"], "kernel.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(connection, f)
    env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))
    devnull = subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipykernel_launcher", "-f", path,
         "--HistoryManager.hist_file=:memory:"],
        stdin=devnull, stdout=devnull, stderr=devnull, cwd=plan["box"], env=env,
        start_new_session=True, close_fds=True)
    return proc, path


def emit(stream, **event) -> None:
    stream.write(json.dumps(event) + "\n")
    stream.flush()


def main() -> int:
    plan = json.loads(sys.stdin.buffer.read())
    # The report goes to the original stdout; anything a library prints goes to the log.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        notes = isolate(plan)
        os.chdir(plan["box"])
        os.umask(0o077)
        kernel, connection_file = launch_kernel(plan)
    except Exception as err:
        emit(out, event="setup_failed", message=f"{type(err).__name__}: {err}")
        return 1
    emit(out, event="kernel", pid=kernel.pid)
    for note in notes:
        print(f"sandbox: {note}", file=sys.stderr)
    from matdiff.grading.worker import run  # while the kernel boots

    try:
        run(plan, out, kernel, connection_file)
    except Exception as err:
        # Whatever broke (a lost connection, say), the question in progress is lost;
        # the grader decides what comes next.
        print(f"worker: {type(err).__name__}: {err}", file=sys.stderr)
        emit(out, event="died", region=None)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
