"""Start: choose the election (the embedded default preselected) and the precinct.

The precinct list filters as you type, on id and name; precincts already started on this
laptop are marked and listed first, so a board can continue where it left off.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tally_app import service
from tally_app.definition.model import ElectionDefinition, Precinct
from ui.context import AppContext
from ui.election_files import add_election_file, election_combo, known_elections
from ui.messages import UserMessage
from ui.models import ItemRole, SnapshotListModel
from ui.pages.base import Page


class _SearchField(QLineEdit):
    """Down arrow moves from the search box into the list; Enter chooses."""

    def __init__(self, page: StartPage) -> None:
        super().__init__(page)
        self._page = page

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self._page.list.setFocus(Qt.FocusReason.TabFocusReason)
            if not self._page.list.currentIndex().isValid():
                self._page.list.setCurrentIndex(self._page.proxy.index(0, 0))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._page.choose()
            return
        super().keyPressEvent(event)


class _PrecinctList(QListView):
    def __init__(self, page: StartPage) -> None:
        super().__init__(page)
        self._page = page

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._page.choose()
            return
        super().keyPressEvent(event)


class StartPage(Page):
    key = "start"
    chosen = Signal(str)  # a precinct id

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._elections: list[ElectionDefinition] = known_elections(ctx.definition)
        self._started: frozenset[str] = frozenset()

        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "1. Check that the election is the one on your supplies.\n"
                "2. Type your precinct number and choose it from the list.\n"
                "3. Press Enter to start, or to continue where your board left off."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        election_row = QHBoxLayout()
        self.election = election_combo(self, self._elections, self.tr("Election"))
        self.open_file = QPushButton(self.tr("&Open an election file…"), self)
        self.open_file.setAccessibleName(self.tr("Open an election file"))
        self.open_file.setAutoDefault(False)
        election_row.addWidget(self.election, 1)
        election_row.addWidget(self.open_file)
        election_label = QLabel(self.tr("&Election:"), self)
        election_label.setBuddy(self.election)
        form.addRow(election_label, election_row)

        self.search = _SearchField(self)
        self.search.setAccessibleName(self.tr("Find your precinct by number or name"))
        self.search.setPlaceholderText(self.tr("for example 0850001A"))
        search_label = QLabel(self.tr("&Find your precinct (number or name):"), self)
        search_label.setBuddy(self.search)
        form.addRow(search_label, self.search)
        layout.addLayout(form)

        self.model: SnapshotListModel[Precinct] = SnapshotListModel(self._label)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = _PrecinctList(self)
        self.list.setModel(self.proxy)
        self.list.setAccessibleName(self.tr("Precincts"))
        self.list.setMinimumHeight(self.fontMetrics().height() * 8)
        list_label = QLabel(self.tr("&Precincts (started ones first):"), self)
        list_label.setBuddy(self.list)
        layout.addWidget(list_label)
        layout.addWidget(self.list, 1)
        self.count = QLabel(self)
        self.count.setAccessibleName(self.tr("Precincts shown"))
        layout.addWidget(self.count)

        # The receiving station's work is in a window of its own (DESIGN §11).
        self.supervisor = QPushButton(self.tr("&Supervisor: verify and add up results…"), self)
        self.supervisor.setAccessibleName(self.tr("Supervisor: verify and add up results"))
        self.supervisor.setAutoDefault(False)
        supervisor_row = QHBoxLayout()
        supervisor_row.addWidget(self.supervisor)
        supervisor_row.addStretch(1)
        layout.addLayout(supervisor_row)
        self.supervisor_window: QWidget | None = None  # kept open while the worker goes on

        self.search.textChanged.connect(self._filter)
        self.list.doubleClicked.connect(lambda _: self.choose())
        self.election.currentIndexChanged.connect(self._election_changed)
        self.open_file.clicked.connect(self._open_file)
        self.supervisor.clicked.connect(self.open_supervisor)
        if ctx.definition is None:
            self.election.setCurrentIndex(-1)
        else:
            self.election.setCurrentIndex(self.election.findData(ctx.definition.fingerprint))

    def title(self) -> str:
        return self.tr("Choose the election and your precinct")

    def next_label(self) -> str:
        return self.tr("&Start or continue")

    def first_field(self) -> QWidget:
        return self.search

    def enter(self) -> None:
        self._reload()

    # --- election -------------------------------------------------------------------------

    def _election_changed(self, index: int) -> None:
        if index < 0:
            return
        fingerprint = self.election.itemData(index)
        self.ctx.definition = next(d for d in self._elections if d.fingerprint == fingerprint)
        self._reload()

    def _open_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open an election file"),
            str(Path.home()),
            self.tr("Election definitions (*.json);;All files (*)"),
        )
        if name:
            self.use_file(Path(name))

    def use_file(self, path: Path) -> bool:
        """Load a definition file and select it; its problems are shown if it is not valid."""
        return add_election_file(self.ctx, path, self._elections, self.election)

    def open_supervisor(self) -> QWidget:
        """Open (or bring forward) the Supervisor window, on this laptop's data folder."""
        window = self.supervisor_window
        if window is None or not isValid(window):
            from ui.supervisor.window import SupervisorWindow  # loads only when asked for

            window = SupervisorWindow(self.ctx.data_dir)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.resize(1280, 720)
            self.supervisor_window = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    # --- precincts ------------------------------------------------------------------------

    def _reload(self) -> None:
        definition = self.ctx.definition
        if definition is None:
            self.model.set_items(())
            self._started = frozenset()
        else:
            self._started = frozenset(service.started_precincts(self.ctx.data_dir, definition))
            precincts = sorted(definition.precincts, key=lambda p: (p.id not in self._started,))
            self.model.set_items(precincts)
        self._filter(self.search.text())

    def _label(self, precinct: Precinct) -> str:
        if precinct.id in self._started:
            return self.tr("{0} — started on this laptop, continue").format(precinct.label)
        return precinct.label

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        shown = self.proxy.rowCount()
        self.count.setText(
            self.tr("{0} of {1} precincts shown").format(shown, self.model.rowCount())
        )
        if shown:
            self.list.setCurrentIndex(self.proxy.index(0, 0))

    def choose(self) -> None:
        """Start (or continue) the selected precinct, or say what is missing."""
        if self.ctx.definition is None:
            self.ctx.report(
                UserMessage(
                    self.tr("Please check"),
                    self.tr("No election is chosen."),
                    self.tr("This is about what was chosen."),
                    self.tr("Choose the election on your supplies."),
                )
            )
            return
        index = self.list.currentIndex()
        if self.proxy.rowCount() == 0 or not index.isValid():
            self.ctx.report(
                UserMessage(
                    self.tr("Please check"),
                    self.tr("No precinct matches what you typed."),
                    self.tr("This is about what was typed."),
                    self.tr("Check the precinct number on your supplies and type it again."),
                )
            )
            return
        precinct = self.proxy.data(index, ItemRole)
        self.chosen.emit(precinct.id)
