"""py-spy integration without ptrace: limits, rate, failure messages, a fake py-spy."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsim.errors import IntegrationError, LimitError
from lsim.integrations import pyspy_tool
from lsim.integrations.pyspy import (
    PySpyRecord,
    check_pyspy,
    choose_nonblocking,
    choose_rate,
    classify_samples,
)
from lsim.integrations.pyspy_dump import PySpyDump, summarize_dump
from lsim.limits import PYSPY_MAX_THREADS

# What py-spy 0.4 prints when the kernel refuses it (taken from its binary's messages).
REFUSALS = [
    "Error: Permission Denied: Try running again with elevated permissions by going "
    "'sudo env \"PATH=$PATH\" !!'",
    "Permission Denied\nIt looks like you are running in a docker container. Please make sure "
    "you started your container with the SYS_PTRACE capability.",
    "Error: Failed to attach to process\n\nCaused by:\n    Operation not permitted (os error 1)",
]


def test_rate_fits_the_thread_count() -> None:
    assert choose_rate(1) == 100
    assert choose_rate(30) == 500 // 31 == 16
    assert choose_rate(200) == 2
    assert choose_rate(2_000) == choose_rate(4_095) == 1
    assert not choose_nonblocking(30) and not choose_nonblocking(499)
    assert choose_nonblocking(500) and choose_nonblocking(4_095)  # even 1 Hz pauses too much


def test_above_the_limit_is_refused_naming_it() -> None:
    with pytest.raises(LimitError, match="4,096 Python threads"):
        check_pyspy(PYSPY_MAX_THREADS)  # + the main thread = 4,097: py-spy fails
    with pytest.raises(LimitError, match="4,096"):
        PySpyRecord(Path("."), threads=5_000, duration_s=1).check(probe=False)
    assert check_pyspy(PYSPY_MAX_THREADS - 1)  # the largest count it records


def test_missing_pyspy_is_an_integration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IntegrationError, match="py-spy is not installed"):
        check_pyspy(10)


@pytest.mark.parametrize("output", REFUSALS)
def test_ptrace_refusal_is_explained(output: str) -> None:
    message = pyspy_tool.explain_failure(output, 1)
    assert "not permitted to attach" in message
    assert "--cap-add SYS_PTRACE" in message
    assert "/proc/sys/kernel/yama/ptrace_scope" in message
    assert "root" in message
    assert "\n" not in message  # the CLI prints it as one line


def test_other_failures_are_told_apart() -> None:
    gone = "Error: Failed to get process executable name. Check that the process is running."
    assert "ended before py-spy could attach" in pyspy_tool.explain_failure(gone, 1)
    limit = "Error: Failed to find a python interpreter in the .data section"
    assert "4,096 Python threads" in pyspy_tool.explain_failure(limit, 1)
    assert pyspy_tool.explain_failure("Error: something new\nmore", 3) == (
        "py-spy failed (exit code 3): something new"
    )


def test_samples_parked_in_lock_queues_are_counted_by_go_state() -> None:
    park = "Waiter.park (lsim/sync/states.py:120)"
    stacks = [
        (
            [
                "run (a.py:1)",
                "Mutex.lock (lsim/sync/locks.py:70)",
                "Mutex._lock_slow (lsim/sync/locks.py:123)",
                park,
            ],
            7,
        ),
        (["run (a.py:1)", "RWMutex._rlock_slow (lsim/sync/locks.py:260)", park], 2),
        (["run (a.py:1)", "Mutex._lock_slow (lsim/sync/locks.py:116)"], 5),  # on the guard
    ]
    assert classify_samples(stacks) == ({"sync.Mutex.Lock": 7, "sync.RWMutex.RLock": 2}, 0)


def test_native_frames_separate_lock_waits_from_gil_waits() -> None:
    # shapes seen with py-spy --native on CPython 3.11 (libpython shared, take_gil inlined)
    parked = [
        "thread_run (libpython3.11.so.1.0)",
        "run (a.py:1)",
        "Mutex._lock_slow (lsim/sync/locks.py:123)",
        "Waiter.park (lsim/sync/states.py:120)",
    ]
    on_lock = parked + [
        "lock_PyThread_acquire_lock (libpython3.11.so.1.0)",
        "PyThread_acquire_lock_timed (libpython3.11.so.1.0)",
        "0x7f5e58ea3f16 (libc.so.6)",
    ]
    on_gil = parked + [
        "lock_PyThread_acquire_lock (libpython3.11.so.1.0)",
        "pthread_cond_timedwait (libc.so.6)",
        "0x7f5e58ea3f16 (libc.so.6)",
    ]
    busy_gil = ["run (a.py:1)", "work (a.py:9)", "take_gil (ceval_gil.h:300)"]
    waits, gil = classify_samples([(on_lock, 3), (on_gil, 2), (busy_gil, 4)])
    assert waits == {"sync.Mutex.Lock": 3}
    assert gil == 6  # the woken waiter is runnable, not blocked


def test_native_needs_blocking_sampling() -> None:
    assert not PySpyRecord(Path("."), threads=2_000, duration_s=1, native=True).nonblocking
    assert PySpyRecord(Path("."), threads=2_000, duration_s=1).nonblocking
    with pytest.raises(ValueError, match="native"):
        PySpyRecord(Path("."), threads=2, duration_s=1, native=True, nonblocking=True)


def test_dump_summary_counts_threads_and_waits() -> None:
    def frame(name: str, filename: str, line: int = 1) -> dict[str, object]:
        return {"name": name, "filename": filename, "line": line}

    parked = [
        frame("Waiter.park", "/w/lsim/sync/states.py", 120),
        frame("Mutex._lock_slow", "/w/lsim/sync/locks.py", 123),
        frame("Mutex.lock", "/w/lsim/sync/locks.py", 70),
    ]
    threads = [
        {"active": False, "owns_gil": False, "frames": parked},
        {"active": False, "owns_gil": False, "frames": parked},
        {"active": True, "owns_gil": True, "frames": [frame("work", "/w/app.py")]},
        {"active": False, "owns_gil": False, "frames": []},
    ]
    summary = summarize_dump(threads)
    assert summary["threads"] == 4
    assert summary["lock_waits"] == {"sync.Mutex.Lock": 2}
    assert summary["blocked"] == 2
    assert (summary["active"], summary["owns_gil"]) == (1, 1)
    assert summary["top_functions"]["sync.runtime_SemacquireMutex"] == 2


def fake_pyspy(tmp_path: Path, body: str) -> str:
    """An executable standing in for py-spy (``args`` = its command line)."""
    path = tmp_path / "fake-py-spy"
    path.write_text(
        f"#!{sys.executable}\nimport sys\nargs = sys.argv[1:]\n" + textwrap.dedent(body)
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_record_command_and_output_through_a_fake_pyspy(tmp_path: Path) -> None:
    rec = PySpyRecord(tmp_path / "out", threads=3, duration_s=0.4)
    rec._executable = fake_pyspy(
        tmp_path,
        """
        out = args[args.index("-o") + 1]
        assert "--idle" in args and "--nonblocking" not in args
        assert args[args.index("--rate") + 1] == "100"
        with open(out, "w") as f:
            f.write("run (a.py:1);Mutex.lock (lsim/sync/locks.py:70);"
                    "Mutex._lock_slow (lsim/sync/locks.py:123);"
                    "Waiter.park (lsim/sync/states.py:120) 6\\n")
            f.write("run (a.py:1) 2\\n")
        print("Samples: 8 Errors: 1")
    """,
    )
    assert rec.command(4242)[1:4] == ["record", "--pid", "4242"]
    rec.start(os.getpid())
    got = rec.finish()["py_spy"]
    assert got["error"] is None
    assert (got["samples"], got["errors"], got["snapshots"]) == (8, 1, 2)
    assert got["lock_wait_samples"] == {"sync.Mutex.Lock": 6}
    folded = Path(got["folded"]).read_text()
    assert "sync.(*Mutex).Lock (lsim/sync/locks.py:70)" in folded
    assert "Mutex._lock_slow" not in folded
    assert Path(got["svg"]).read_text().startswith("<?xml")


def test_record_reports_a_ptrace_refusal(tmp_path: Path) -> None:
    rec = PySpyRecord(tmp_path, threads=3, duration_s=0.2)
    rec._executable = fake_pyspy(
        tmp_path,
        f"""
        sys.stderr.write({REFUSALS[0]!r} + "\\n")
        sys.exit(1)
    """,
    )
    rec.start(os.getpid())
    got = rec.finish()["py_spy"]
    assert got["folded"] is None and "not permitted to attach" in got["error"]


def test_a_hanging_pyspy_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lsim.integrations.pyspy as module

    monkeypatch.setattr(module, "FINISH_GRACE_S", 0.2)
    rec = PySpyRecord(tmp_path, threads=3, duration_s=0.1)
    rec._executable = fake_pyspy(
        tmp_path,
        """
        import threading
        threading.Event().wait()  # never ends by itself; SIGINT ends it
    """,
    )
    rec.start(os.getpid())
    got = rec.finish()["py_spy"]
    assert got["error"] and got["folded"] is None
    assert rec._proc is not None and rec._proc.poll() is not None


def test_finish_without_start_says_why() -> None:
    got = PySpyRecord(Path("."), threads=3, duration_s=1).finish()["py_spy"]
    assert "not started" in got["error"]


def test_probe_reports_a_refusing_pyspy(tmp_path: Path) -> None:
    exe = fake_pyspy(
        tmp_path,
        f"""
        sys.stderr.write({REFUSALS[2]!r})
        sys.exit(1)
    """,
    )
    message = pyspy_tool.probe_ptrace(exe)
    assert message is not None and "Operation not permitted" in message
    assert subprocess.run([exe], check=False).returncode == 1


def test_a_busy_tracer_is_not_called_a_ptrace_refusal() -> None:
    output = (
        "Error: Failed to get stack traces\n\nCaused by:\n    0: Failed to suspend process\n"
        "    1: EPERM: Operation not permitted\n"
    )
    assert pyspy_tool.tracer_busy(output)
    message = pyspy_tool.explain_failure(output, 1)
    assert "another tracer" in message and "not permitted to attach" not in message


def test_check_fails_early_where_ptrace_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = fake_pyspy(
        tmp_path,
        f"""
        sys.stderr.write({REFUSALS[1]!r})
        sys.exit(1)
    """,
    )
    monkeypatch.setattr(pyspy_tool, "find_pyspy", lambda: exe)
    with pytest.raises(IntegrationError, match="SYS_PTRACE"):
        PySpyRecord(tmp_path, threads=3, duration_s=1).check()


def test_dump_retries_while_a_record_holds_the_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lsim.integrations.pyspy_dump as module

    calls = tmp_path / "calls"
    exe = fake_pyspy(
        tmp_path,
        f"""
        import json, pathlib
        calls = pathlib.Path({str(calls)!r})
        n = int(calls.read_text()) + 1 if calls.exists() else 1
        calls.write_text(str(n))
        if n < 3:
            sys.stderr.write("Error: Failed to get stack traces\\n\\nCaused by:\\n"
                             "    0: Failed to suspend process\\n"
                             "    1: EPERM: Operation not permitted\\n")
            sys.exit(1)
        print(json.dumps([{{"active": True, "owns_gil": True, "frames": []}}]))
    """,
    )
    monkeypatch.setattr(module, "find_pyspy", lambda: exe)
    dump = PySpyDump(tmp_path / "out", delay_s=0.0)
    dump.start(os.getpid())
    assert dump.taken.wait(30)
    got = dump.finish()["py_spy_dump"]
    assert got["error"] is None and got["attempts"] == 3
    assert (got["threads"], got["active"], got["blocked"]) == (1, 1, 0)
    assert Path(got["path"]).exists()


def test_dump_not_taken_when_the_window_ends_first(tmp_path: Path) -> None:
    dump = PySpyDump(tmp_path, delay_s=3600.0)
    dump.start(os.getpid())
    got = dump.finish()["py_spy_dump"]
    assert "no dump" in got["error"] and not dump.taken.is_set()
