"""The Print page's copies note: what the board posts on the door (rule A16)."""

from __future__ import annotations

from tests.ui.test_print_page import data_dir, keyed, no_mouse, page_of, window  # noqa: F401
from ui.main_window import MainWindow


def test_the_copies_note_does_not_tell_the_board_to_post_the_tally_sheet(
    window: MainWindow,  # noqa: F811
) -> None:
    """The tally sheet copies are for the board members and the supplies; the posting copy
    is what goes on the door. Posting the full tally sheet would defeat rule A16 (fewer than
    10 ballots: post only the ballot count)."""
    note = page_of(window).copies_note.text()
    assert "posting copy" in note
    assert "post one" not in note, note
    assert "Do not post the tally sheet" in note
