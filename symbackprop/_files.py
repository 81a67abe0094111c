"""Reading input and writing generated files, with one set of rules for what a path may be.

Only a regular file (or a path where nothing is yet) is ever replaced, and then atomically;
a symbolic link is followed to its target; ``-o`` writes a character device or a FIFO as it
is; input is read up to its bound and only from regular files (or standard input).  An
interrupted write leaves no temporary file behind.  Write errors are :class:`OSError` whose
``strerror`` is a complete reason; read errors are one-line :class:`InputError` exceptions.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, LimitError

_OPEN_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)  # never a controlling terminal
_HELD = {getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)}


def write_output(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` where ``-o PATH`` points: a regular file or a new one atomically
    (:func:`write_atomically`), a character device (``/dev/null``, a terminal) or a FIFO as it is
    (opened for writing: never created, truncated or replaced).  Anything else is refused.
    """
    given, st = _status(path)
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        # Opened by the name given: /dev/stdout's link to /proc/self/fd/1 names no file when it is a pipe.
        if _write_directly(given, text):
            return
        st = _stat(given)  # it was replaced since: the rules of what is there now
    _check_kind(given, st, "regular files, character devices and FIFOs")
    _replace(given, st, text)


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) so that a reader sees the old file or the new one, never half.

    Only for a regular file or a new one (a symlink: its target); a directory, a device or a
    FIFO is refused.  The text goes to a temporary file beside the target, which then replaces
    it, keeping the old file's permissions (a new one gets the umask's, not a temporary file's
    private ones).  Nothing is left behind if anything fails, a signal included.
    """
    given, st = _status(path)
    _check_kind(given, st, "regular files")
    _replace(given, st, text)


def make_directory(path: str | os.PathLike[str]) -> Path:
    """Create the directory ``path`` with its parents, unless it is one already (or links to one)."""
    folder = Path(_checked(path))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, "it is not a directory") from None
    return folder


def reason(err: OSError) -> str:
    """An error of a file inside a folder: the file's name, then why (``frame-01.svg: it is a FIFO ...``)."""
    text = err.strerror or str(err)
    return f"{os.path.basename(err.filename)}: {text}" if isinstance(err.filename, str) else text


def read_text(path: str, limit: int, what: str, option: str, error: type[InputError] = InputError) -> str:
    """The text of the regular file ``path`` (UTF-8) or, for ``-``, of standard input.

    At most ``limit + 1`` characters are read, so an endless stream stops at the bound: more
    than ``limit`` is a :class:`LimitError` naming ``option``.  A FIFO, a device or a directory
    is refused before it is read (``os.stat`` first: opening a FIFO would wait for a writer).
    Every other failure is ``error`` (an :class:`InputError`), one line naming the path.
    """
    if path == "-":
        name = "standard input"
        if sys.stdin is None:
            raise error("cannot read standard input: there is none")
        try:
            text = sys.stdin.read(limit + 1)
        except UnicodeDecodeError:
            encoding = getattr(sys.stdin, "encoding", None) or "UTF-8"
            raise error(f"cannot read standard input: not {encoding} text") from None
        except OSError as err:
            raise error(f"cannot read standard input: {err.strerror or err}") from None
    else:
        name = path if path.isprintable() else repr(path)
        text = _read_regular(path, name, limit, error)
    if len(text) > limit:
        raise LimitError(f"{what} ({name}) is longer than {limit} characters (raise the limit with {option})")
    return text


def read_inside(
    path: str,
    root: str,
    limit: int,
    what: str,
    option: str,
    where: str,
    anywhere: bool = False,
    quiet: bool = False,
    within: str | None = None,
) -> str:
    """A file a document names (a network spec): relative to ``root`` and, unless ``anywhere``,
    inside ``within`` (``root`` itself by default) once symlinks are resolved; a regular file, at
    most ``limit`` characters (see :func:`read_text`).  ``where`` names ``within`` in messages
    (``the source directory``).
    ``quiet``: a failure does not say why (whether a file exists, what it is), as for a page's
    untrusted content."""
    shown = repr(path[:60] + ("..." if len(path) > 60 else ""))
    if "\0" in path:
        raise InputError(f"cannot read {what} {shown}: the path contains a NUL character")
    target = os.path.join(root, path)
    if not anywhere:
        base, real = os.path.realpath(root if within is None else within), os.path.realpath(target)
        if os.path.commonpath([base, real]) != base:
            raise InputError(f"{what} {shown} is outside {where}: give a path inside it")
    try:
        return read_text(target, limit, what, option)
    except LimitError:
        raise
    except InputError as err:
        if quiet:
            raise InputError(
                f"cannot read {what} {shown}: it is not a readable file inside {where}"
            ) from None
        reason = str(err).removeprefix(f"cannot read {target}: ").removeprefix(f"cannot read {target!r}: ")
        raise InputError(f"cannot read {what} {shown}: {reason}") from None


def _read_regular(path: str, name: str, limit: int, error: type[InputError]) -> str:
    if "\0" in path:
        raise error(f"cannot read {name}: the path contains a NUL character")
    try:
        _check_readable(name, os.stat(path).st_mode, error)
        # Not blocking: should a FIFO have taken the file's place since the stat, the open returns.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _OPEN_FLAGS)
        with os.fdopen(fd, encoding="utf-8") as f:
            _check_readable(name, os.fstat(fd).st_mode, error)
            os.set_blocking(fd, True)
            return f.read(limit + 1)
    except FileNotFoundError:
        raise error(f"cannot read {name}: no such file") from None
    except UnicodeDecodeError:
        raise error(f"cannot read {name}: not UTF-8 text") from None
    except OSError as err:
        raise error(f"cannot read {name}: {err.strerror or err}") from None


def _check_readable(name: str, mode: int, error: type[InputError]) -> None:
    if stat.S_ISDIR(mode):
        raise error(f"cannot read {name}: it is a directory")
    if not stat.S_ISREG(mode):
        raise error(f"cannot read {name}: it is a {_kind(mode)}, not a regular file")


def _checked(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    if "\0" in name:  # os would raise ValueError, which names no path
        raise OSError(errno.EINVAL, "the path contains a NUL character")
    return name


def _status(path: str | os.PathLike[str]) -> tuple[str, os.stat_result | None]:
    """The path as a string, and the status of what it names after every symlink (None: nothing)."""
    given = _checked(path)
    return given, _stat(given)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:  # nothing there, or a dangling symlink
        return None


def _resolved(given: str, st: os.stat_result | None) -> str:
    """The file to replace: ``given`` with its symlinks resolved (a dangling one's target too)."""
    target = os.path.realpath(given)
    if st is not None:  # a link through /proc/PID/fd to a deleted file, say, names no file to replace
        now = _stat(target)
        if now is None or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise OSError(errno.EINVAL, "it resolves to no file name that could be replaced", given)
    return target


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return kind
    return "special file"


def _check_kind(given: str, st: os.stat_result | None, allowed: str) -> None:
    if st is None or stat.S_ISREG(st.st_mode):
        return
    target = os.path.realpath(given)
    subject = "it is" if os.path.abspath(given) == target else f"it resolves to {target}, which is"
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"{subject} a directory", given)
    raise OSError(errno.EINVAL, f"{subject} a {_kind(st.st_mode)}; only {allowed} are written", given)


def _write_directly(path: str, text: str) -> bool:
    """Write into the device or FIFO ``path``; False if something else has taken its place."""
    fd = os.open(path, os.O_WRONLY | _OPEN_FLAGS)  # a FIFO waits here for its reader
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        os.close(fd)
        return False
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return True


def _replace(given: str, st: os.stat_result | None, text: str) -> None:
    """Write a temporary file beside the file ``given`` resolves to, and rename it over that file."""
    target = _resolved(given, st)
    folder = os.path.dirname(target)  # target is absolute
    tmp: str | None = None
    try:
        with _signals_held():  # a signal between creating the file and knowing its name would leak it
            fd, tmp = _temporary(folder, given)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, _mode(st))
        os.replace(tmp, target)
        tmp = None
    except BaseException:  # KeyboardInterrupt and the CLI's SIGTERM too: no temporary file stays
        if tmp is not None:
            with _signals_held(), contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _temporary(folder: str, given: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=".symbackprop-", dir=folder)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, f"the directory {folder} does not exist", given) from None
    except NotADirectoryError:
        raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a directory", given) from None
    except PermissionError:
        raise PermissionError(errno.EACCES, f"no permission to create a file in {folder}", given) from None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (on POSIX) until the block is done, then arrive as usual."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _mode(st: os.stat_result | None) -> int:
    if st is not None:
        return st.st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
