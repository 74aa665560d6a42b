"""How a sweep shows its progress on stderr: a bar on a terminal, a few lines in a log.

A bar redraws itself many times a second; written to a file (a cluster job's log, the
output of ``nohup`` or a pipe) every redraw stays, and a log of a long sweep fills with
them.  So :func:`progress_bar` draws a bar only where one can be seen: stderr a
terminal, or a Jupyter kernel's stream (tqdm draws a widget there).  Anywhere else it
writes plain lines, ``name: done/total points``: one when the sweep starts, one each
time another tenth of the points is done, and one at the end; at most a dozen lines
whatever the size of the sweep.  A sweep with nothing to compute (every point stored: a
study's script run again, a loop of sweeps in a batch job) writes no line there: its
``300/300 points`` said nothing a log needs, once per rerun.

>>> import io
>>> log = io.StringIO()
>>> bar = progress_bar(True, 40, 0, "simulate", stream=log)
>>> for _ in range(40):
...     bar.update(1)
>>> bar.close()
>>> print(log.getvalue().splitlines()[:3], len(log.getvalue().splitlines()))
['simulate: 0/40 points', 'simulate: 4/40 points', 'simulate: 8/40 points'] 11
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["progress_bar", "is_interactive"]

# lines written between the first and the last: one per tenth of the points
STEPS = 10


def progress_bar(
    show: bool, total: int, initial: int, name: str, stream: TextIO | None = None
) -> Any:
    """A progress display with ``update(n)`` and ``close()`` for a sweep of ``total``
    points, ``initial`` of them already stored.

    ``show=False``: nothing.  Else a tqdm bar (a plain counter without tqdm) when
    ``stream`` (stderr by default) is a terminal or a notebook's, and plain lines
    otherwise (see the module docstring), none when every point is stored.

    >>> import io
    >>> progress_bar(False, 10, 0, "f").update(1)
    >>> log = io.StringIO()
    >>> progress_bar(True, 10, 10, "f", stream=log).close()
    >>> log.getvalue()
    ''
    """
    out = sys.stderr if stream is None else stream
    if not show or out is None:  # no stderr at all (pythonw, a daemon): nowhere to show
        return _NoBar()
    if not is_interactive(out):
        if initial >= total:  # nothing to compute: nothing for a log to keep
            return _NoBar()
        return _LogLines(total, initial, name, out)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _CounterBar(total, initial, name, out)
    return tqdm(total=total, initial=initial, desc=name, unit="point", file=out)


def is_interactive(stream: Any) -> bool:
    """Whether ``stream`` is seen as it is drawn: a terminal or a Jupyter kernel's.

    >>> import io
    >>> is_interactive(io.StringIO())
    False
    """
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError, OSError):  # no isatty, or closed
        return False
    # a notebook's stream is no terminal, but tqdm.auto draws a widget there
    return type(stream).__module__.startswith("ipykernel")


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class _CounterBar:
    """A plain ``name: done/total`` counter redrawn in place, for when tqdm is not
    installed."""

    def __init__(self, total: int, initial: int, name: str, out: TextIO) -> None:
        self.total, self.count, self.name, self.out = total, initial, name, out
        self._show()

    def update(self, n: int) -> None:
        self.count += n
        self._show()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()

    def _show(self) -> None:
        self.out.write(f"\r{self.name}: {self.count}/{self.total} points")
        self.out.flush()


class _LogLines:
    """``name: done/total points`` lines at the start, at each tenth and at the end."""

    def __init__(self, total: int, initial: int, name: str, out: TextIO) -> None:
        self.total, self.count, self.name, self.out = total, initial, name, out
        self.written = -1
        self.next = 0
        self._write()

    def update(self, n: int) -> None:
        self.count += n
        if self.count >= self.next:
            self._write()

    def close(self) -> None:
        if self.count != self.written:
            self._write()

    def _write(self) -> None:
        self.out.write(f"{self.name}: {self.count}/{self.total} points\n")
        self.out.flush()
        self.written = self.count
        step = max(1, -(-self.total // STEPS))  # a tenth, rounded up
        self.next = (self.count // step + 1) * step
