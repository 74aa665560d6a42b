"""What the command line prints from a store, made harmless to the terminal showing it.

A store someone sent you may hold any text in its info records, values and file names:
an escape sequence (``ESC ]0;...BEL`` sets the window title, ``ESC [2J`` clears the
screen, some terminals write the clipboard or answer into their input) or a
right-to-left override that shows the text in another order than it has.  Written as
it is, the terminal would act on it.  :class:`EscapingWriter` writes such characters as
escapes instead (``\\x1b``, ``\\u202e``): every C0 control but the line break and the
tab, DEL, the C1 controls and the bidirectional controls.  JSON output keeps them as
JSON escapes (:func:`json_escaped`), which read back as the same text.

>>> escaped("k\\x1b[31mred\\u202e\\n")
'k\\\\x1b[31mred\\\\u202e\\n'
>>> json_escaped('"\\x9b"')
'"\\\\u009b"'
"""

from __future__ import annotations

from typing import Any, TextIO

# the characters a terminal acts on are told in the bottom layer (_format), so that the
# store's own reports (str() of verify's) escape them too
from .._format import _CONTROLS, escaped

__all__ = ["escaped", "json_escaped", "EscapingWriter"]


def json_escaped(text: str) -> str:
    """JSON ``text`` with those characters (only ever inside its strings, where JSON
    leaves C1 and the bidirectional controls as they are) as JSON's ``\\u`` escapes."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


class EscapingWriter:
    """A text stream that writes to ``stream`` what :func:`escaped` makes of its text.

    >>> import io
    >>> out = io.StringIO()
    >>> EscapingWriter(out).write("\\x1b]0;title\\x07\\n")
    11
    >>> out.getvalue()
    '\\\\x1b]0;title\\\\x07\\n'
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escaped(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding, buffer, ...
        return getattr(self._stream, name)
