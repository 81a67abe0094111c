"""``python -m symbackprop``."""

from __future__ import annotations

from .cli import main_exit

main_exit()
