"""How times, durations and distances are written, in JSON and for people."""

from __future__ import annotations

from datetime import datetime


def iso(when: datetime | None) -> str | None:
    """UTC as DESIGN's JSON writes it: YYYY-MM-DDTHH:MM:SSZ (None stays None)."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def clock(seconds: float) -> str:
    """Seconds as a watch shows them: 0:30, 4:30, 1:05:00."""
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def km(metres: float | None) -> str:
    return "-" if metres is None else f"{metres / 1000:.2f} km"


def safe_text(text: str) -> str:
    """Text any database, file or terminal takes: bytes of a file name that are not UTF-8
    (which Python keeps as lone surrogates) become \\xNN; every other text is unchanged."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that does not stand for a byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def escape_char(ch: str) -> str:
    if ch in SHORT_ESCAPES:
        return SHORT_ESCAPES[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """Text for a line on a terminal: a file name's escape sequences, line separators and
    bytes that are not UTF-8 shown as \\x1b, \\u2028, \\xff, never acted on."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else escape_char(c) for c in text)
