"""Progress bars: drawn when forced or on a terminal, nothing at all on a pipe or in a log."""

import io

from raas.progress import bar


def test_a_forced_bar_shows_the_label_and_the_count_and_starts_again_on_a_new_total() -> None:
    out = io.StringIO()
    with bar("seed", "persons", file=out, force=True) as progress:
        for done in (0, 40, 100):
            progress(done, 100)
        progress(3, 3)  # a second phase
    written = out.getvalue()
    assert "seed: 100%" in written and "100/100" in written and "3/3" in written


def test_nothing_is_written_where_the_output_is_no_terminal() -> None:
    out = io.StringIO()  # not a tty: a pipe, a log file, CI
    with bar("seed", "persons", file=out) as progress:
        progress(50, 100)
        progress(100, 100)
    assert out.getvalue() == ""
