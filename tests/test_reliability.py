"""Files and signals: what ``-o``, ``--frames``, the doc cache and spec reading do with each kind of path,
bounded reading of endless input, and SIGINT/SIGTERM ending in one line and 130/143.

Devices are fake nodes made in a temporary directory (major 1, minor 3 behaves as /dev/null,
1/5 as /dev/zero), never the system's.  Signals go to real ``python -m symbackprop`` processes
at a known point: blocked in a FIFO's open (seen in ``/proc/PID/wchan``), with a pipe full, or
inside the atomic write (a child whose ``os.replace`` waits).  The ``timeout=`` of every process
is a hang guard only; nothing here measures time.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import symbackprop
from symbackprop import _docspec, _files
from symbackprop.cli import main
from symbackprop.errors import LimitError, SpecError
from symbackprop.limits import DEFAULT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and signals are POSIX")

SPEC = {
    "inputs": [[1.0, 2.0]],
    "layers": [{"weights": [[0.5], [-1.0]], "biases": [0.1], "activation": "relu"}],
}
GUARD = 60  # seconds: a hang guard for processes and waits, never an assertion


def _device(path: Path, minor: int) -> Path:
    """A character device node 1/``minor`` (3: a null device, 5: a zero device) at ``path``."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        os.close(os.open(path, os.O_RDWR))  # a filesystem mounted nodev refuses device nodes
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a device node here: {err}")
    return path


def _is_device(path: Path, minor: int) -> bool:
    st = os.lstat(path)
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, minor)


class _Reader:
    """Reads a FIFO to its end in a thread, as a consumer of ``-o FIFO`` would."""

    def __init__(self, fifo: Path) -> None:
        self.data = b""
        self._thread = threading.Thread(target=self._read, args=(fifo,), daemon=True)
        self._thread.start()

    def _read(self, fifo: Path) -> None:
        with open(fifo, "rb") as f:
            self.data = f.read()

    def result(self) -> bytes:
        self._thread.join(GUARD)
        assert not self._thread.is_alive(), "the FIFO was never written and closed"
        return self.data


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _one_error(err: str, *needles: str) -> None:
    assert err.startswith("symbackprop: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


def _default_signals() -> None:
    """In the child: SIGINT and SIGTERM as a terminal's shell leaves them, whatever this process ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _spawn(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen[bytes]:
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, *args], cwd=cwd, preexec_fn=_default_signals, **kw)  # type: ignore[call-overload]


def _finish(proc: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"{proc.args} hung") from None
    return proc.returncode, out.decode(), err.decode()


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def _wchan(proc: subprocess.Popen[bytes]) -> str:
    """The kernel function ``proc`` sleeps in ("" once it has exited)."""
    try:
        return Path(f"/proc/{proc.pid}/wchan").read_text()
    except OSError:
        return ""


def _blocked_in(proc: subprocess.Popen[bytes], *functions: str) -> None:
    if not Path(f"/proc/{os.getpid()}/wchan").exists():
        proc.kill()
        proc.wait()
        pytest.skip("no /proc/PID/wchan: cannot see where the process waits")
    _wait_until(
        lambda: proc.poll() is not None or any(f in _wchan(proc) for f in functions),
        f"blocked in {functions}",
    )
    assert proc.poll() is None, _finish(proc)


# --- -o and each kind of path ---------------------------------------------------------------------


def test_o_into_a_character_device_writes_it_and_leaves_the_node(tmp_path, capsys):
    null = _device(tmp_path / "null", 3)
    assert main(["neuron", "-o", str(null)]) == 0
    assert capsys.readouterr() == ("", "")
    assert _is_device(null, 3)  # was replaced by a regular file holding the walkthrough
    assert _listing(tmp_path) == ["null"]  # no temporary file beside it


def test_o_into_a_character_device_from_a_real_process(tmp_path):
    null = _device(tmp_path / "null", 3)
    status, out, err = _finish(
        _spawn(["-m", "symbackprop", "neuron", "--format", "json", "-o", "null"], tmp_path)
    )
    assert (status, out, err) == (0, "", "")
    assert _is_device(null, 3) and _listing(tmp_path) == ["null"]


def test_o_into_a_fifo_feeds_its_reader(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main(["neuron", "--format", "json"]) == 0
    expected = capsys.readouterr().out
    reader = _Reader(fifo)
    assert main(["neuron", "--format", "json", "-o", str(fifo)]) == 0
    assert reader.result().decode() == expected
    assert json.loads(expected)["output"] == 6.0  # the chapter's neuron, a real document
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and _listing(tmp_path) == ["fifo"]


def test_o_through_a_symlink_writes_the_target(tmp_path, capsys):
    real = tmp_path / "real.txt"
    real.write_text("previous\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")
    assert main(["neuron", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "real.txt"
    assert real.read_text(encoding="utf-8").startswith("y = ReLU(")
    assert real.stat().st_mode & 0o777 == 0o640  # the target keeps its permissions
    assert _listing(tmp_path) == ["link.txt", "real.txt"]


def test_o_through_a_chain_of_symlinks_to_a_fifo_writes_the_fifo(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "one").symlink_to("fifo")
    (tmp_path / "two").symlink_to(tmp_path / "one")
    reader = _Reader(fifo)
    assert main(["derive", "x*w", "--at", "x=2", "--at", "w=3", "-o", str(tmp_path / "two")]) == 0
    assert b"y = x * w" in reader.result()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and (tmp_path / "two").is_symlink()


def test_o_through_a_link_to_standard_output_writes_the_pipe(tmp_path):
    """``-o /dev/stdout``, with a link of our own: the kernel's link names a pipe, not a file."""
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc/self/fd")
    (tmp_path / "stdout").symlink_to("/proc/self/fd/1")
    status, out, err = _finish(
        _spawn(["-m", "symbackprop", "neuron", "--format", "json", "-o", "stdout"], tmp_path)
    )
    assert (status, err) == (0, "") and json.loads(out)["output"] == 6.0
    assert _listing(tmp_path) == ["stdout"] and (tmp_path / "stdout").is_symlink()


def test_o_through_a_dangling_symlink_creates_the_target(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.md"
    link.symlink_to("sub/new.md")
    assert main(["neuron", "--format", "markdown", "-o", str(link)]) == 0
    assert link.is_symlink()
    assert (tmp_path / "sub" / "new.md").read_text(encoding="utf-8").startswith("# Backpropagation")
    assert _listing(tmp_path / "sub") == ["new.md"]


def test_o_onto_a_directory_or_a_link_to_one_is_one_line(tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "link").symlink_to("folder")
    assert main(["neuron", "-o", str(folder)]) == 2
    _one_error(capsys.readouterr().err, f"cannot write {folder}: it is a directory")
    assert main(["neuron", "-o", str(tmp_path / "link")]) == 2
    _one_error(capsys.readouterr().err, f"it resolves to {folder}, which is a directory")
    assert _listing(tmp_path) == ["folder", "link"] and _listing(folder) == []


def test_o_into_a_missing_directory_names_it(tmp_path, capsys):
    assert main(["neuron", "-o", str(tmp_path / "missing" / "out.txt")]) == 2
    _one_error(capsys.readouterr().err, f"the directory {tmp_path / 'missing'} does not exist")


def test_o_with_a_nul_in_the_path_is_an_input_error(tmp_path, capsys):
    assert main(["neuron", "-o", str(tmp_path / "a\0b")]) == 2
    _one_error(capsys.readouterr().err, "the path contains a NUL character")
    assert main(["neuron", "--format", "dot", "--frames", str(tmp_path / "a\0b")]) == 2
    _one_error(capsys.readouterr().err, "cannot write frames", "NUL")
    assert _listing(tmp_path) == []


def test_a_nul_in_a_spec_path_is_an_input_error():
    with pytest.raises(SpecError, match="path contains a NUL character") as err:
        symbackprop.network("spec\0.json")
    assert err.value.exit_status == 2


def _writable_as_is(folder: Path) -> bool:
    """Whether chmod 0555 leaves ``folder`` writable (root bypasses permissions)."""
    probe = folder / "probe"
    try:
        probe.write_text("")
    except PermissionError:
        return False
    probe.unlink()
    return True


@pytest.fixture
def read_only(tmp_path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "old.txt").write_text("previous\n", encoding="utf-8")
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_o_into_a_read_only_directory_is_one_line(read_only, capsys):
    if _writable_as_is(read_only):
        pytest.skip(
            "running as root: a read-only directory is writable (see the test without the capability)"
        )
    assert main(["neuron", "-o", str(read_only / "old.txt")]) == 2
    _one_error(capsys.readouterr().err, f"no permission to create a file in {read_only}")
    assert (read_only / "old.txt").read_text(encoding="utf-8") == "previous\n"
    assert _listing(read_only) == ["old.txt"]


def test_o_into_a_read_only_directory_without_root_powers(read_only):
    """As root, a child process without CAP_DAC_OVERRIDE meets the permissions a user would."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv (without root, the test above runs)")
    drop = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]
    probe = subprocess.run(
        [*drop, sys.executable, "-c", "open('ro/probe', 'w')"],
        cwd=read_only.parent,
        capture_output=True,
        timeout=GUARD,
    )
    if probe.returncode == 0:
        os.unlink(read_only / "probe")
        pytest.skip("dropping CAP_DAC_OVERRIDE did not take effect here")
    done = subprocess.run(
        [*drop, sys.executable, "-m", "symbackprop", "neuron", "-o", "ro/old.txt"],
        cwd=read_only.parent,
        capture_output=True,
        text=True,
        timeout=GUARD,
    )
    assert done.returncode == 2
    _one_error(done.stderr, f"cannot write ro/old.txt: no permission to create a file in {read_only}")
    assert (read_only / "old.txt").read_text(encoding="utf-8") == "previous\n"
    assert _listing(read_only) == ["old.txt"]


def test_o_into_a_full_device_reports_it(tmp_path, capsys):
    full = tmp_path / "full"
    try:
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # writes fail with "no space left"
        os.close(os.open(full, os.O_RDWR))
    except OSError as err:
        pytest.skip(f"cannot make a device node here: {err}")
    assert main(["neuron", "-o", str(full)]) == 2
    _one_error(capsys.readouterr().err, f"cannot write {full}: No space left on device")
    assert stat.S_ISCHR(os.lstat(full).st_mode)


# --- write_atomically: regular files only -------------------------------------------------------


def test_atomic_writes_refuse_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a wrong open for writing would not block
    try:
        for path, kind in [(fifo, "a FIFO"), (_device(tmp_path / "null", 3), "a character device")]:
            with pytest.raises(OSError) as err:
                _files.write_atomically(path, "text\n")
            assert err.value.strerror == f"it is {kind}; only regular files are written"
        assert os.read(reader, 100) == b""  # nothing reached the FIFO
    finally:
        os.close(reader)
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        _files.write_atomically(tmp_path / "folder", "text\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and _is_device(tmp_path / "null", 3)
    assert _listing(tmp_path) == ["fifo", "folder", "null"]


def test_the_doc_cache_never_writes_into_a_fifo(tmp_path):
    fifo = tmp_path / "entry.json"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _docspec.write_atomically(fifo, "{}")  # refused; a cache that cannot be written is only slower
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and _listing(tmp_path) == ["entry.json"]


def test_figure_save_writes_as_o_does(tmp_path):
    fig = symbackprop.derive("x*w", at={"x": 2.0, "w": 3.0}).graph("dot")
    null = _device(tmp_path / "null", 3)
    assert fig.save(null) == null and _is_device(null, 3)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = _Reader(fifo)
    fig.save(fifo)
    assert reader.result().decode() == str(fig)


# --- --frames: a directory of regular files ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device", "file"])
def test_frames_into_something_not_a_directory_is_one_line(kind, tmp_path, capsys):
    target = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        _device(target, 3)
    else:
        target.write_text("keep\n")
    assert main(["neuron", "--format", "dot", "--frames", str(target)]) == 2
    _one_error(capsys.readouterr().err, f"cannot write frames to {target}: it is not a directory")
    assert _listing(tmp_path) == [kind]


def test_frames_refuse_a_fifo_in_place_of_a_frame(tmp_path, capsys):
    frames = tmp_path / "frames"
    frames.mkdir()
    os.mkfifo(frames / "frame-01.dot")
    assert (
        main(["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "dot", "--frames", str(frames)]) == 2
    )
    _one_error(capsys.readouterr().err, "frame-01.dot: it is a FIFO; only regular files are written")
    assert stat.S_ISFIFO(os.lstat(frames / "frame-01.dot").st_mode)
    assert _listing(frames) == ["frame-01.dot"]


def test_frames_through_a_symlink_to_a_directory(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    argv = [
        "derive",
        "x*w",
        "--at",
        "x=2",
        "--at",
        "w=3",
        "--format",
        "dot",
        "--frames",
        str(tmp_path / "link"),
    ]
    assert main(argv) == 0
    assert (tmp_path / "link").is_symlink()
    assert _listing(tmp_path / "real") == [f"frame-0{k}.dot" for k in range(1, 6)]


# --- reading: regular files only, never past the bound --------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero device", "directory"])
def test_a_spec_that_is_not_a_regular_file_is_refused_without_reading(kind, tmp_path):
    path = tmp_path / "spec"
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: an open for reading would wait for ever
    elif kind == "zero device":
        _device(path, 5)  # endless zeros
    else:
        path.mkdir()
    status, out, err = _finish(_spawn(["-m", "symbackprop", "network", "spec"], tmp_path))
    assert (status, out) == (2, "")
    expected = {"fifo": "a FIFO, not", "zero device": "a character device, not", "directory": "a directory"}
    _one_error(err, f"cannot read spec: it is {expected[kind]}")


def test_a_spec_over_its_bound_is_refused_and_one_at_it_is_read(tmp_path, capsys):
    text = json.dumps(SPEC)
    path = tmp_path / "spec.json"
    path.write_text(text + " " * 10, encoding="utf-8")
    size = len(text) + 10
    assert main(["network", str(path), "--max-spec-length", str(size)]) == 0
    assert capsys.readouterr().out.startswith("Network")
    assert main(["network", str(path), "--max-spec-length", str(size - 1)]) == 2
    _one_error(
        capsys.readouterr().err,
        f"the network spec ({path}) is longer than {size - 1} characters (raise the limit with --max-spec-length)",
    )
    with pytest.raises(LimitError, match="--max-spec-length"):
        symbackprop.network(str(path), limits=DEFAULT.merge(max_spec_length=size - 1))
    assert symbackprop.network(str(path), limits=DEFAULT.merge(max_spec_length=size)).to_dict()


def test_spec_limit_belongs_to_network_and_length_to_derive(capsys):
    assert main(["network", "--help"]) == 0
    network_help = capsys.readouterr().out
    assert main(["derive", "--help"]) == 0
    derive_help = capsys.readouterr().out
    assert "--max-spec-length" in network_help and "--max-spec-length" not in derive_help
    assert "--max-length" in derive_help and "--max-length" not in network_help


class _EndlessStdin(io.TextIOBase):
    """Standard input that never ends: reading it whole would never return."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def read(self, size: int | None = -1) -> str:
        assert size is not None and size >= 0, "asked for the whole of an endless stream"
        self.asked.append(size)
        return ("x+" * (size // 2 + 1))[:size]


def test_derive_from_endless_stdin_reads_one_past_the_bound(monkeypatch, capsys):
    stdin = _EndlessStdin()
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["derive", "-", "--max-length", "50", "--at", "x=1"]) == 2
    _one_error(capsys.readouterr().err, "the expression (standard input) is longer than 50 characters")
    assert stdin.asked == [51]


def test_derive_from_stdin_at_the_bound_is_derived(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("x*w+b"))
    assert (
        main(
            [
                "derive",
                "-",
                "--max-length",
                "5",
                "--at",
                "x=2",
                "--at",
                "w=3",
                "--at",
                "b=1",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["output"] == 7.0
    monkeypatch.setattr(sys, "stdin", io.StringIO("x*w+b "))
    assert main(["derive", "-", "--max-length", "5", "--at", "x=2"]) == 2
    assert "longer than 5 characters" in capsys.readouterr().err


# A child that runs a command with its standard input from another process and reports its own
# peak memory: ``resource`` counts the command, not the child's caller.
_MEASURED = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "symbackprop", *sys.argv[1:]], capture_output=True, text=True)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # KiB on Linux
"""
# 400 MB of "x+x+...": read whole (and decoded), it would take well over a gigabyte.
_GENERATOR = """
import sys
chunk = b"x+" * (1 << 19)
try:
    for _ in range(400):
        sys.stdout.buffer.write(chunk)
except BrokenPipeError:
    pass
"""


def _measured(argv: list[str], stdin: object, cwd: Path) -> tuple[int, int, str]:
    """(status, peak memory in MiB, stderr) of ``symbackprop ARGV`` reading ``stdin``."""
    proc = _spawn(["-c", _MEASURED, *argv], cwd, stdin=stdin)
    status, out, err = _finish(proc)
    assert status == 0, err
    code, rss = out.split()
    return int(code), int(rss) // 1024, err


def test_derive_from_a_long_pipe_stops_at_the_bound_in_bounded_memory(tmp_path):
    generator = _spawn(["-c", _GENERATOR], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        status, mib, err = _measured(["derive", "-", "--at", "x=1"], generator.stdout, tmp_path)
    finally:
        generator.kill()
        generator.communicate(timeout=GUARD)
    assert status == 2
    _one_error(err, "the expression (standard input) is longer than 1000000 characters", "--max-length")
    assert mib < 300, f"{mib} MiB"


def test_a_spec_from_a_long_pipe_or_a_huge_file_stops_at_the_bound(tmp_path):
    generator = _spawn(["-c", _GENERATOR], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        status, mib, err = _measured(["network", "-"], generator.stdout, tmp_path)
    finally:
        generator.kill()
        generator.communicate(timeout=GUARD)
    assert status == 2 and mib < 300, (status, mib)
    _one_error(err, "the network spec (standard input) is longer than 16000000 characters")
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(1 << 30)  # a sparse gigabyte of NUL bytes: no disk, but a gigabyte to read
    status, mib, err = _measured(["network", "huge.json"], subprocess.DEVNULL, tmp_path)
    assert status == 2 and mib < 300, (status, mib)
    _one_error(err, "the network spec (huge.json) is longer than 16000000 characters")


# --- signals: one line, 130 or 143, nothing left behind ---------------------------------------------

SIGNALS = [
    pytest.param(signal.SIGTERM, 143, "SIGTERM", id="SIGTERM"),
    pytest.param(signal.SIGINT, 130, "SIGINT", id="SIGINT"),
]


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_a_signal_while_o_waits_for_a_fifo_reader(signum, status, name, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    proc = _spawn(["-m", "symbackprop", "neuron", "-o", "fifo"], tmp_path)
    _blocked_in(proc, "wait_for_partner", "fifo_open")  # in open(2): no reader yet
    proc.send_signal(signum)
    code, out, err = _finish(proc)
    assert (code, out, err) == (status, "", f"symbackprop: error: interrupted ({name})\n")
    assert _listing(tmp_path) == ["fifo"]


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_a_signal_while_a_fifo_is_half_written(signum, status, name, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    ones = ",".join(["1"] * 300)  # about 200 kB of walkthrough: more than the pipe holds
    proc = _spawn(["-m", "symbackprop", "neuron", f"--x={ones}", f"--w={ones}", "-o", "fifo"], tmp_path)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the writer's open returns; nothing is read yet
    try:
        capacity = fcntl.fcntl(reader, getattr(fcntl, "F_GETPIPE_SZ", 1032))

        def pending() -> int:
            return int.from_bytes(fcntl.ioctl(reader, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)

        _wait_until(lambda: proc.poll() is not None or pending() >= capacity, "filled the pipe")
        assert proc.poll() is None  # blocked in write(2), the rest of the text still to come
        proc.send_signal(signum)
        code, out, err = _finish(proc)
    finally:
        os.close(reader)
    assert (code, out, err) == (status, "", f"symbackprop: error: interrupted ({name})\n")
    assert _listing(tmp_path) == ["fifo"]


# The command line through its entry point, with ``os.replace`` waiting: the temporary file is
# written and not yet renamed when the signal comes.
_PAUSED_REPLACE = """
import os, sys, time
marker, argv = sys.argv[1], sys.argv[2:]
real = os.replace
def paused(src, dst):
    with open(marker + ".part", "w") as f:
        f.write(src)
    os.rename(marker + ".part", marker)
    time.sleep(600)
    real(src, dst)
os.replace = paused
sys.argv = ["symbackprop", *argv]
from symbackprop.cli import main_exit
main_exit()
"""


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_a_signal_during_an_atomic_write_leaves_the_old_file(signum, status, name, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "result.json").write_text("previous\n", encoding="utf-8")
    marker = tmp_path / "in-replace"
    argv = ["derive", "relu(x*w + b)", "--at", "x=1", "--at", "w=2", "--at", "b=0", "--format", "json"]
    proc = _spawn(["-c", _PAUSED_REPLACE, str(marker), *argv, "-o", "out/result.json"], tmp_path)
    _wait_until(lambda: marker.exists() or proc.poll() is not None, "reached the rename")
    assert proc.poll() is None, _finish(proc)
    temporary = Path(marker.read_text())
    assert temporary.parent == out_dir and temporary.name.startswith(".symbackprop-")
    assert (
        json.loads(temporary.read_text(encoding="utf-8"))["output"] == 2.0
    )  # written whole, not yet renamed
    proc.send_signal(signum)
    code, out, err = _finish(proc)
    assert (code, out, err) == (status, "", f"symbackprop: error: interrupted ({name})\n")
    assert _listing(out_dir) == ["result.json"]  # the temporary file is gone
    assert (out_dir / "result.json").read_text(encoding="utf-8") == "previous\n"


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_a_signal_while_reading_standard_input(signum, status, name, tmp_path):
    proc = _spawn(
        ["-m", "symbackprop", "derive", "-", "--at", "x=1", "-o", "out.txt"], tmp_path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    proc.stdin.write(b"x*")  # and then nothing, with the pipe still open
    proc.stdin.flush()
    _blocked_in(proc, "pipe_read", "pipe_wait")
    proc.send_signal(signum)
    code, out, err = _finish(proc)
    assert (code, out, err) == (status, "", f"symbackprop: error: interrupted ({name})\n")
    assert _listing(tmp_path) == []


def test_main_reports_an_interrupt_as_one_line(monkeypatch, capsys):
    """In-process: a KeyboardInterrupt anywhere in a command is the one line and 130."""

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("symbackprop.cli._run", interrupted)
    assert main(["neuron"]) == 130
    assert capsys.readouterr() == ("", "symbackprop: error: interrupted (SIGINT)\n")


def test_main_leaves_the_signal_handlers_alone(capsys):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    assert main(["neuron"]) == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


# --- a network's size: bounded before anything is computed ---------------------------------------


def _softmax_spec(samples: int, outputs: int) -> dict:
    return {
        "inputs": [[0.1, -0.2] for _ in range(samples)],
        "layers": [{"weights": [[0.01] * outputs] * 2, "biases": [0] * outputs, "activation": "softmax"}],
    }


def test_a_network_past_max_elements_is_refused_before_its_jacobians_are_built(tmp_path):
    """100 samples × 3000 softmax outputs asked for 6.7 GiB of Jacobians; now one line, exit 2,
    under a 1 GiB address-space bound and within seconds of CPU (measured by the child itself)."""
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps(_softmax_spec(100, 3000)), encoding="utf-8")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from symbackprop.cli import main\n"
        f"status = main(['network', {str(spec)!r}, '--format', 'json'])\n"
        "r = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(status, r.ru_utime + r.ru_stime, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    message, tail = done.stderr.splitlines()[0], done.stderr.splitlines()[-1]
    assert message.startswith("symbackprop: error: the size of the network's matrices, in numbers, is ")
    assert "--max-elements" in message
    status, cpu = tail.split()
    assert status == "2" and float(cpu) < 5.0


def test_max_elements_is_a_bound_of_the_one_limits_table():
    from symbackprop.errors import LimitError
    from symbackprop.limits import DEFAULT

    small = _softmax_spec(3, 4)
    symbackprop.network(small)  # far below the default
    with pytest.raises(LimitError, match=r"raise it with limits=Limits\(max_elements=\.\.\.\)"):
        symbackprop.network(small, limits=DEFAULT.merge(max_elements=50))


# --- what was an internal error is a clear one ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"inputs": [[' + "9" * 5000 + ']], "layers": []}', "a number with 5000 digits (at most 400)"),
        ('{"inputs": [[1]], "inputs": [[2]], "layers": []}', "the key 'inputs' is given twice"),
    ],
)
def test_spec_json_that_python_reads_badly_is_a_spec_error(tmp_path, text, message):
    spec = tmp_path / "spec.json"
    spec.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "symbackprop", "network", str(spec)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"symbackprop: error: {message} (in {spec})\n"


def test_a_parameter_index_of_thousands_of_digits_is_refused(cli):
    spec_file = Path(__file__).resolve().parent.parent / "docs" / "specs" / "softmax-cce.json"
    status, out, err = cli(["network", str(spec_file), "--wrt", "W1[" + "1" * 5000 + ",0]"])
    assert (status, out) == (2, "") and "expected W<layer>[input,neuron]" in err and err.count("\n") == 1


def test_numpy_arrays_and_scalars_are_numbers_and_lists():
    import numpy as np

    r = symbackprop.neuron(np.array([1.0, -2.0, 3.0]), np.array([-3.0, -1.0, 2.0]), np.float64(1.0))
    assert r.gradients == symbackprop.neuron().gradients
    spec = {
        "inputs": np.array([[1.0, 2.0]]),
        "layers": [{"weights": np.array([[1.0], [2.0]]), "biases": np.array([0.0]), "activation": "relu"}],
    }
    plain = {
        "inputs": [[1.0, 2.0]],
        "layers": [{"weights": [[1.0], [2.0]], "biases": [0.0], "activation": "relu"}],
    }
    assert symbackprop.network(spec).gradients == symbackprop.network(plain).gradients


def test_memory_exhaustion_is_one_line(tmp_path):
    """Within 300 MiB of address space, a spec the limits admit still cannot be computed: one line."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_softmax_spec(100, 95)), encoding="utf-8")  # under max_elements
    code = (
        "import resource\n"
        "import symbackprop.cli, numpy\n"  # the imports first, then the bound
        "resource.setrlimit(resource.RLIMIT_AS, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 + (40 << 20),) * 2)\n"
        f"raise SystemExit(symbackprop.cli.main(['network', {str(spec)!r}, '--format', 'json']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if done.returncode == 0:
        pytest.skip("the machine gave the child its memory after all")
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.count("\n") == 1 and "out of memory" in done.stderr


def test_leaves_named_with_every_prefix_of_the_generated_names_get_other_names(cli):
    """v, u, t, q and h all taken once ended in "internal error (StopIteration)": now vv1, vv2, ..."""
    status, out, err = cli(
        ["derive", "relu(v*u + t*q + h)", "--format", "json"]
        + [f"--at={n}={k}" for k, n in enumerate("vutqh", start=1)]
    )
    assert status == 0 and err == ""
    data = json.loads(out)
    assert [n["var"] for n in data["nodes"]] == ["vv1", "vv2", "vv3", "y"]
    assert data["gradients"] == {
        "v": 2.0,
        "u": 1.0,
        "t": 4.0,
        "q": 3.0,
        "h": 1.0,
    }  # by hand: d(vu)/dv = u ...


# --- figures: Graphviz's layouts bounded, frames written as they are drawn ----------------------

_HAS_DOT = shutil.which("dot") is not None


@pytest.mark.skipif(not _HAS_DOT, reason="Graphviz's dot is not installed")
def test_a_layout_past_its_cpu_bound_is_one_line(cli, monkeypatch):
    """Each Graphviz run is bounded by RLIMIT_CPU in the child: past it, a LimitError, exit 2."""
    from symbackprop.render.figure import dot

    monkeypatch.setattr(dot, "LAYOUT_SECONDS", 0)  # the child is stopped at its first tick
    status, out, err = cli(["neuron", "--format", "svg"])
    assert status == 2 and out == ""
    assert err.startswith("symbackprop: error: Graphviz's layout of the figure took more than 0 s of CPU")
    assert err.count("\n") == 1


@pytest.mark.skipif(not _HAS_DOT, reason="Graphviz's dot is not installed")
def test_svg_frames_past_their_predicted_layout_time_are_refused_before_any_is_written(
    cli, monkeypatch, tmp_path
):
    from symbackprop.render import figure

    monkeypatch.setattr(figure, "FRAMES_LAYOUT_SECONDS", -1.0)  # any first layout predicts more
    status, _, err = cli(["neuron", "--frames", str(tmp_path / "out"), "--format", "svg"])
    assert status == 2 and err.startswith("symbackprop: error: the 18 SVG frames would take Graphviz about ")
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(figure, "FRAMES_LAYOUT_SECONDS", 4.0)
    status, _, err = cli(["neuron", "--frames", str(tmp_path / "out"), "--format", "svg"])
    assert status == 0 and len(list((tmp_path / "out").glob("frame-*.svg"))) == 18


def test_frames_are_written_as_they_are_drawn(monkeypatch, tmp_path):
    """Each frame reaches the disk before the next is drawn: the sequence is never held whole."""
    from symbackprop.render import figure

    drawn: list[int] = []
    on_disk: list[int] = []
    original = figure._draw

    def draw(*args, **kwargs):
        on_disk.append(len(list(tmp_path.glob("frame-*.dot"))))
        drawn.append(len(drawn))
        return original(*args, **kwargs)

    monkeypatch.setattr(figure, "_draw", draw)
    paths = symbackprop.neuron().write_frames(tmp_path, "dot")
    assert len(paths) == 18 and on_disk == list(range(18))  # frame k drawn with k frames written
    assert [p.read_text(encoding="utf-8") for p in paths] == symbackprop.neuron().frames("dot")
