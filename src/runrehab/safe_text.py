"""Text from files and arguments, made safe to show: what would act on a terminal (control
characters, escape codes) or reorder and break lines (bidirectional overrides, Unicode line
separators) is written out as an escape instead, so it is seen rather than obeyed."""
from __future__ import annotations

_CONTROL = (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))
_LAYOUT = (0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_VISIBLE = {**{c: f"\\x{c:02x}" for c in _CONTROL}, **{c: f"\\u{c:04x}" for c in _LAYOUT}}


def visible(text: str) -> str:
    """`text` with every control character but newline and tab, and every bidirectional or line
    separator mark, written out (ESC as `\\x1b`, RIGHT-TO-LEFT OVERRIDE as `\\u202e`)."""
    return text.translate(_VISIBLE)


def quoted(value: object) -> str:
    """A value as a message quotes it: its repr, cut short (an argument may be any size)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
