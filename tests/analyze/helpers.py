"""Shared by the analyze tests: the real fixtures and a small hand-written dump."""

from __future__ import annotations

from pathlib import Path

from lsim.analyze.census import Analysis, analyze_files

FIXTURES = Path(__file__).parent / "fixtures"
GO119 = sorted(FIXTURES.glob("go1.19-*.txt"))
GO127 = sorted(FIXTURES.glob("go1.27-*.txt"))
MUT = "labelstore.Service.mut"
GOA, GLR = "GetOrAddGlobalRefID", "GetLocalRefID"
ALLOY = "github.com/grafana/alloy/internal/service/labelstore"


def fixture(name: str) -> Path:
    return FIXTURES / name


def analyze(*names: str, **options: object) -> Analysis:
    return analyze_files([fixture(n) for n in names], read_source=False, **options)  # type: ignore[arg-type]


def write(tmp: Path, text: str, name: str = "dump.txt") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def goroutine(gid: int, status: str, frames: list[str], created: str = "main.main",
              parent: int | None = 1) -> str:  # fmt: skip
    """One debug=2 record: ``frames`` are function names, leaf first."""
    lines = [f"goroutine {gid} [{status}]:"]
    for i, fn in enumerate(frames):
        lines.append(f"{fn}(0xc000{gid:04x}00{i:02x}, 0x0?)")
        lines.append(f"\t/src/{fn.split('.')[0].replace('/', '_')}.go:{10 + i} +0x{16 + i:x}")
    where = f" in goroutine {parent}" if parent is not None else ""
    lines.append(f"created by {created}{where}")
    lines.append("\t/src/main.go:5 +0x25")
    return "\n".join(lines) + "\n"


def blocked_frames(op: str, rw: str = "") -> list[str]:
    """A lock wait under ``(*Service).op``, as Go >= 1.24 prints it."""
    if rw == "r":
        lock = ["sync.runtime_SemacquireRWMutexR", "sync.(*RWMutex).RLock"]
    elif rw == "w":
        lock = ["sync.runtime_SemacquireRWMutex", "sync.(*RWMutex).Lock"]
    else:
        lock = ["internal/sync.runtime_SemacquireMutex", "internal/sync.(*Mutex).lockSlow",
                "internal/sync.(*Mutex).Lock", "sync.(*Mutex).Lock"]  # fmt: skip
    return [*lock, f"{ALLOY}.(*Service).{op}", "main.scrape"]
