"""Open a real window on a real precinct file and visit every page (shared by UI checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import QWidget

from tally_app import service
from tally_app.definition.model import ElectionDefinition
from ui.context import AppContext
from ui.main_window import MainWindow


def election(election_id: str) -> ElectionDefinition:
    return next(d for d in service.embedded_definitions() if d.id == election_id)


def open_window(qtbot: object, data_dir: Path, definition: ElectionDefinition) -> MainWindow:
    ctx = AppContext(data_dir, definition)
    window = MainWindow(ctx, resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.resize(1366, 768)
    window.show()
    window.open_precinct(definition.precincts[0].id)
    session = ctx.open
    for name, role in (
        ("Maria López", "inspector"),
        ("Sam Park", "tally_keeper_a"),
        ("Ana Núñez", "tally_keeper_b"),
    ):
        session.add_board_member(name, role, ctx.actor())
    return window


def visit_pages(window: MainWindow) -> Iterator[tuple[str, QWidget]]:
    """Show each step in turn; yield its key and the whole window."""
    window.show_start()
    yield "start", window
    window.resume_last()
    for index in range(len(window.steps)):
        window.go_to(index)
        yield window.steps[index].key, window
