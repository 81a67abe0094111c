"""Writing generated files: all at once or not at all, with the permissions a plain ``open`` gives."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) so that a reader sees the old file or the new one, never half.

    The text goes to a temporary file beside ``path``, which then replaces it.  The new file
    keeps the old one's permissions, or gets the umask's (a bare temporary file is private);
    the temporary file is removed if anything fails.  Raises :class:`OSError`.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".symbackprop-", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
