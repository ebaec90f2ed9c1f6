"""Progress bars for long commands: shown on a terminal, silent in logs, pipes and CI.

Long jobs report progress through a plain callback `progress(done, total)` (done out of total,
both absolute), so the use cases stay free of any display; the command line turns the reports
into a tqdm bar on standard error, which tqdm leaves out when standard error is not a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from tqdm import tqdm

Progress = Callable[[int, int], None]


@contextmanager
def bar(
    label: str, unit: str = "it", file: IO[str] | None = None, force: bool = False
) -> Iterator[Progress]:
    """A `progress(done, total)` callback drawing one bar (a new total starts the bar again).

    Drawn on `file` (standard error) only when it is a terminal, unless `force`.
    """
    shown = tqdm(
        desc=label,
        unit=unit,
        file=file,
        disable=False if force else None,
        dynamic_ncols=True,
        mininterval=0.5,
    )

    def report(done: int, total: int) -> None:
        if shown.total != total:
            shown.reset(total=total)
        shown.update(done - shown.n)
        if done == total:
            shown.refresh()  # a phase's end is always drawn, however soon it came

    try:
        yield report
    finally:
        shown.close()
