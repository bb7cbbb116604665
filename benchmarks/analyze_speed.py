"""How fast ``lsim analyze`` reads a production-size goroutine dump, and in how much memory.

Writes a 53,998-goroutine ``debug=2`` dump shaped like the reference one (48.27% blocked in
GetOrAddGlobalRefID, 44.09% in GetLocalRefID, the rest running, runnable or parked in the
scrape loop; Go >= 1.21 format, Alloy's frames, with wait ages) to a temporary file, padded to
about 100 MB with the deep stacks real Alloy goroutines have, then analyses it in a child
process and prints the wall time and the child's peak RSS (``VmHWM``).

    python benchmarks/analyze_speed.py [--goroutines 53998] [--mb 100] [--gzip] [--keep FILE]

The issue's budget: under 5 s and under 500 MB for 54k goroutines / ~100 MB.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsim.profile.model import Profile, SampledThread  # noqa: E402
from lsim.render.goroutines import GoroutineDump  # noqa: E402
from tests.fixtures.profiles import small_profile  # noqa: E402

SHARES = (  # (state, operation, lock, share of goroutines), the reference dump's table
    ("sync.Mutex.Lock", "GetOrAddGlobalRefID", "labelstore.Service.mut", 0.4827),
    ("sync.Mutex.Lock", "GetLocalRefID", "labelstore.Service.mut", 0.4409),
    ("runnable", "GetLocalRefID", "", 0.0050),
    ("running", "GetOrAddGlobalRefID", "", 0.0010),
    ("idle", "", "", 0.0704),
)
MINUTE_NS = 60_000_000_000


def dump_profile(goroutines: int) -> Profile:
    profile = small_profile("mutex")
    threads: list[SampledThread] = []
    for state, op, lock, share in SHARES:
        for _ in range(round(share * goroutines)):
            t = len(threads)
            wait = (t % 7) * MINUTE_NS if state.startswith("sync.") else 0
            threads.append(SampledThread(t, state, op, lock, wait))
    profile.representative = threads[:goroutines]
    profile.threads = len(profile.representative)
    return profile


def write_dump(path: Path, goroutines: int, megabytes: float, compress: bool) -> int:
    """The dump, each goroutine's stack deepened with caller frames to reach the size."""
    text = GoroutineDump(go_version="1.21").render(dump_profile(goroutines))
    records = text.split("\n\n")
    per = len(text) / max(1, len(records))
    want = megabytes * 1e6 / goroutines
    extra = max(0, round((want - per) / 120))  # a frame + file line is ~120 bytes
    deep = "".join(
        f"github.com/grafana/alloy/internal/runtime/internal/worker.(*pool).run{i}"
        f"(0xc000{i:04x}0000, 0xc0001{i:03x}000)\n"
        f"\t/src/alloy/internal/runtime/internal/worker/worker_pool.go:{100 + i} +0x{i:x}5\n"
        for i in range(extra)
    )
    out: list[str] = []
    for rec in records:
        head, sep, tail = rec.rpartition("\ncreated by ")
        out.append(f"{head}\n{deep}created by {tail}" if sep else rec)
    data = ("\n\n".join(out)).encode()
    if compress:
        data = gzip.compress(data, compresslevel=6)
    path.write_bytes(data)
    return len(data)


CHILD = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from lsim.analyze.census import analyze_files
a = analyze_files([Path(sys.argv[1])])
d = a.dumps[0]
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{time.perf_counter() - t:.3f} {d.goroutines} {d.blocked} {hwm}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goroutines", type=int, default=53_998)
    parser.add_argument("--mb", type=float, default=100.0, help="dump size to aim for")
    parser.add_argument("--gzip", action="store_true", help="also time the gzip form")
    parser.add_argument("--keep", type=Path, help="write the dump here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "dump.txt"
        t = time.perf_counter()
        size = write_dump(path, args.goroutines, args.mb, compress=False)
        print(f"wrote {args.goroutines:,} goroutines, {size / 1e6:.1f} MB in "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip
        files = [(path, "plain")]
        if args.gzip:
            gz = Path(tmp) / "dump.txt.gz"
            gz.write_bytes(gzip.compress(path.read_bytes(), compresslevel=6))
            files.append((gz, f"gzip ({gz.stat().st_size / 1e6:.1f} MB)"))
        for file, what in files:
            wall = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(file)],
                capture_output=True, text=True, check=True, cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
            wall = time.perf_counter() - wall
            # VmHWM: the child's own peak (ru_maxrss would count the parent's pages the
            # child shared between fork and exec)
            seconds, goroutines, blocked, peak_kb = done.stdout.split()
            print(
                f"{what}: analysed {int(goroutines):,} goroutines ({int(blocked):,} blocked) "
                f"in {float(seconds):.2f} s (process wall {wall:.2f} s incl. start-up), "
                f"peak RSS {int(peak_kb) / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main()
