"""Finding py-spy, checking what it can attach to, and explaining why it could not.

py-spy reads another process's memory, which Linux allows only with ptrace rights: root or
``CAP_SYS_PTRACE``, and, under the Yama LSM, a ``ptrace_scope`` that permits tracing a
process that is not your child (lsim's experiment process is py-spy's sibling). Containers
drop ``CAP_SYS_PTRACE`` unless started with ``--cap-add SYS_PTRACE``. When that is missing
py-spy prints one of a few messages; :func:`explain_failure` turns them into one line that
says how to allow it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lsim.errors import IntegrationError, LimitError
from lsim.limits import PYSPY_MAX_THREADS

YAMA_SCOPE = Path("/proc/sys/kernel/yama/ptrace_scope")
CAP_SYS_PTRACE = 19  # bit in /proc/self/status CapEff
PROBE_TIMEOUT_S = 30.0
# Lower-cased fragments of py-spy's output when the kernel refuses ptrace/process_vm_readv.
PTRACE_MARKERS = (
    "permission denied",
    "operation not permitted",
    "sys_ptrace",
    "(os error 1)",
    "(os error 13)",
    "eperm",
    "eacces",
)


def python_threads(workers: int) -> int:
    """Python threads py-spy sees in the experiment process: the workers + the main thread."""
    return workers + 1


def find_pyspy() -> str:
    """py-spy next to this Python (a venv's bin is often not on PATH), else on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("py-spy")
    if found:
        return found
    raise IntegrationError(
        "py-spy is not installed (looked next to this Python and on PATH): "
        "pip install py-spy, or run without --py-spy"
    )


def check_thread_limit(threads: int) -> None:
    if python_threads(threads) > PYSPY_MAX_THREADS:
        raise LimitError(
            f"--py-spy: {threads:,} worker threads (+ the main thread) is above py-spy's limit "
            f"of {PYSPY_MAX_THREADS:,} Python threads per process; use --threads "
            f"{PYSPY_MAX_THREADS - 1:,} or fewer with --py-spy (the census has no such limit)"
        )


def check_pyspy(threads: int, *, probe: bool = False) -> str:
    """The py-spy executable, after refusing what py-spy cannot record (LimitError) and,
    with ``probe``, a machine where it may not attach (IntegrationError, ~0.1 s) — so the
    user learns it before a long run rather than after it."""
    check_thread_limit(threads)
    executable = find_pyspy()
    if probe:
        refused = probe_ptrace(executable)
        if refused is not None:
            raise IntegrationError(refused)
    return executable


def _ptrace_scope() -> str:
    try:
        return YAMA_SCOPE.read_text().strip()
    except OSError:
        return "absent (no Yama)"


def _has_cap_sys_ptrace() -> bool:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> CAP_SYS_PTRACE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def ptrace_help(detail: str) -> str:
    """One line: py-spy was refused, what this process has, and three ways to allow it."""
    who = "root" if os.geteuid() == 0 else f"uid {os.geteuid()}"
    cap = "present" if _has_cap_sys_ptrace() else "missing"
    return (
        f"py-spy is not permitted to attach to the experiment process (ptrace refused: "
        f"{detail}; running as {who}, CAP_SYS_PTRACE {cap}, ptrace_scope {_ptrace_scope()}). "
        'Allow it by running as root (sudo env "PATH=$PATH" lsim ...), starting the container '
        "with --cap-add SYS_PTRACE, or allowing ptrace of non-child processes with "
        "'echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope'"
    )


def _first_error(output: str) -> str:
    """py-spy's ``Error:`` line, with the innermost ``Caused by`` entry (the errno) if any."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    error = next(
        (line[len("Error:") :].strip() for line in lines if line.startswith("Error:")), None
    )
    if error is None:
        return lines[0] if lines else "no output"
    causes: list[str] = []
    after = lines[lines.index("Caused by:") + 1 :] if "Caused by:" in lines else []
    for line in after:  # anyhow numbers the causes ("0: ...") only when there are several
        head, _, rest = line.partition(": ")
        if head.isdigit():
            causes.append(rest)
        else:
            if not causes and line != "Stack backtrace:":
                causes.append(line)
            break
    return f"{error}: {causes[-1]}" if causes and causes[-1] not in error else error


def tracer_busy(output: str) -> bool:
    """py-spy could read the process but not pause it: ptrace allows one tracer per thread,
    so this is another py-spy (a blocking record of the same run) mid-snapshot."""
    return "failed to suspend process" in output.lower()


def explain_failure(output: str, returncode: int | None = None) -> str:
    """A one-line explanation of a failed py-spy run from its combined stdout/stderr."""
    text = output.lower()
    first = _first_error(output)
    if tracer_busy(output):  # before the EPERM markers: rights are there, the threads are taken
        return (
            f"py-spy could not pause the experiment process ({first}: EPERM): another tracer, "
            "such as a blocking py-spy record of the same run, kept its threads"
        )
    if any(marker in text for marker in PTRACE_MARKERS):
        return ptrace_help(first)
    if "failed to find a python interpreter" in text:
        return (
            f"py-spy could not find the interpreter in the experiment process ({first}); "
            f"py-spy fails this way above {PYSPY_MAX_THREADS:,} Python threads"
        )
    if "check that the process is running" in text or "no such process" in text:
        return f"the experiment process ended before py-spy could attach ({first})"
    code = f" (exit code {returncode})" if returncode not in (None, 0) else ""
    return f"py-spy failed{code}: {first}"


def probe_ptrace(executable: str | None = None) -> str | None:
    """None if py-spy may attach here, else why not (one line).

    It dumps this very process: py-spy is its child, so Yama scope 1 refuses it exactly as
    it refuses the experiment process (py-spy's sibling), and root/capabilities apply alike.
    """
    cmd = [executable or find_pyspy(), "dump", "--pid", str(os.getpid())]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return f"py-spy dump of this process did not finish within {PROBE_TIMEOUT_S:.0f} s"
    if done.returncode == 0:
        return None
    output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    return explain_failure(output, done.returncode)
