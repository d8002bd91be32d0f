"""What to verify: the drives and folders, the county CA certificate and the election.

Every modal dialog is a replaceable function (``SourcePanel.folder_picker`` …), so the
tests choose a folder without a dialog. Removable drives (ui/drives.py) are listed for a
tick; any folder can be added. The CA certificate used last is offered again
(ui/supervisor/remembered.py), and the election is the embedded default unless a file is
opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tally_app.definition.model import ElectionDefinition
from ui.context import AppContext
from ui.drives import Drive, removable_drives
from ui.election_files import add_election_file, election_combo, known_elections
from ui.supervisor.remembered import last_ca
from ui.widgets import AdvancingLineEdit, EnterButton, button_row, heading

log = logging.getLogger(__name__)
PathRole = Qt.ItemDataRole.UserRole + 2


def tr(text: str) -> str:
    return QCoreApplication.translate("supervisor", text)


def ask_folder(parent: QWidget, start: Path) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(
        parent, tr("Choose a drive or folder of results bundles"), str(start)
    )
    return Path(chosen) if chosen else None


def ask_ca(parent: QWidget, start: Path) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent,
        tr("Choose the county CA certificate"),
        str(start),
        tr("Certificates (*.pem *.crt);;All files (*)"),
    )
    return Path(chosen) if chosen else None


def ask_election(parent: QWidget, start: Path) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent,
        tr("Open an election file"),
        str(start),
        tr("Election definitions (*.json);;All files (*)"),
    )
    return Path(chosen) if chosen else None


def list_drives(data_dir: Path) -> list[Drive]:
    try:
        return removable_drives(exclude=[data_dir])
    except Exception:  # a drive that vanished mid-listing: list none rather than fail
        log.exception("listing the drives failed")
        return []


class SourcePanel(QWidget):
    """The first tab: what to verify, against which certificate and election."""

    verify_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Replaceable by tests: the dialogs and the drive list.
        self.folder_picker: Callable[[QWidget, Path], Path | None] = ask_folder
        self.ca_picker: Callable[[QWidget, Path], Path | None] = ask_ca
        self.election_picker: Callable[[QWidget, Path], Path | None] = ask_election
        self.drive_lister: Callable[[Path], list[Drive]] = list_drives
        self._elections: list[ElectionDefinition] = known_elections(ctx.definition)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("1. The results bundles"), self))
        note = QLabel(
            self.tr(
                "Tick the USB drives to read, or add a folder. Every bundle inside is "
                "checked; a bundle that fails a check is listed and never counted."
            ),
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.sources = QListWidget(self)
        self.sources.setAccessibleName(self.tr("Drives and folders to verify"))
        # The tick boxes grow with the text, as the theme's check boxes do.
        self.sources.setStyleSheet("QListView::indicator { width: 1em; height: 1em; }")
        self._size_list()
        sources_label = QLabel(self.tr("&Drives and folders to verify (Space ticks one):"), self)
        sources_label.setWordWrap(True)
        sources_label.setBuddy(self.sources)
        layout.addWidget(sources_label)
        layout.addWidget(self.sources)
        self.add_folder = EnterButton(self.tr("Add a &folder…"), self)
        self.add_folder.setAccessibleName(self.tr("Add a folder"))
        self.refresh_drives = EnterButton(self.tr("Refre&sh the drive list"), self)
        self.refresh_drives.setAccessibleName(self.tr("Refresh the drive list"))
        self.remove = EnterButton(self.tr("Re&move from the list"), self)
        self.remove.setAccessibleName(self.tr("Remove the selected drive or folder from the list"))
        layout.addLayout(button_row(self.add_folder, self.refresh_drives, self.remove))

        layout.addWidget(heading(self.tr("2. The county CA certificate"), self))
        self.ca = AdvancingLineEdit(self)
        self.ca.setAccessibleName(self.tr("County CA certificate file"))
        self.ca.setPlaceholderText(self.tr("for example E:\\ca.pem"))
        ca_label = QLabel(self.tr("County CA certificate (c&a.pem):"), self)
        ca_label.setWordWrap(True)
        ca_label.setBuddy(self.ca)
        self.choose_ca = EnterButton(self.tr("Choose the CA cert&ificate…"), self)
        self.choose_ca.setAccessibleName(self.tr("Choose the CA certificate"))
        layout.addWidget(ca_label)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca, 1)
        self.choose_ca.setAutoDefault(False)
        ca_row.addWidget(self.choose_ca)
        layout.addLayout(ca_row)

        layout.addWidget(heading(self.tr("3. The election"), self))
        self.election = election_combo(self, self._elections, self.tr("Election"))
        election_label = QLabel(self.tr("E&lection:"), self)
        election_label.setBuddy(self.election)
        self.open_election = EnterButton(self.tr("Open an &election file…"), self)
        self.open_election.setAccessibleName(self.tr("Open an election file"))
        layout.addWidget(election_label)
        election_row = QHBoxLayout()
        election_row.addWidget(self.election, 1)
        self.open_election.setAutoDefault(False)
        election_row.addWidget(self.open_election)
        layout.addLayout(election_row)
        self.allow_test = QCheckBox(self.tr("Accept TEST b&undles (only for a test deck)"), self)
        self.allow_test.setAccessibleName(self.tr("Accept TEST bundles"))
        layout.addWidget(self.allow_test)

        layout.addWidget(heading(self.tr("4. Verify"), self))
        self.verify = EnterButton(self.tr("Ve&rify and add up"), self)
        self.verify.setAccessibleName(self.tr("Verify and add up"))
        self.verify.setProperty("primary", True)
        layout.addLayout(button_row(self.verify))
        layout.addStretch(1)

        self.add_folder.clicked.connect(self.choose_folder)
        self.refresh_drives.clicked.connect(self.refresh)
        self.remove.clicked.connect(self.remove_selected)
        self.choose_ca.clicked.connect(self.pick_ca)
        self.open_election.clicked.connect(self.pick_election)
        self.verify.clicked.connect(self.verify_requested.emit)
        if ctx.definition is not None:
            self.election.setCurrentIndex(self.election.findData(ctx.definition.fingerprint))
        remembered = last_ca(ctx.data_dir)
        if remembered is not None:
            self.ca.setText(str(remembered))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._size_list)  # once the list has the new font too

    def _size_list(self) -> None:
        """Five lines tall at any text size: room for a few drives, not half the window."""
        lines = self.sources.fontMetrics().lineSpacing()
        self.sources.setFixedHeight(lines * 5 + 12)

    # --- the sources ---------------------------------------------------------------------

    def refresh(self) -> None:
        """List the removable drives plugged in now (ticked), keeping the folders added."""
        before = {
            self._path(i): self.sources.item(i).checkState() for i in range(self.sources.count())
        }
        folders = [
            (self._path(i), self.sources.item(i).checkState())
            for i in range(self.sources.count())
            if not self.sources.item(i).data(Qt.ItemDataRole.UserRole)
        ]
        self.sources.clear()
        for drive in self.drive_lister(self.ctx.data_dir):
            text = self.tr("USB drive {0} ({1})").format(drive.name, str(drive.root))
            state = before.get(drive.root, Qt.CheckState.Checked)  # a new drive: ticked
            self._add(text, drive.root, is_drive=True, checked=state == Qt.CheckState.Checked)
        for path, state in folders:
            self._add(
                self.tr("Folder {0}").format(str(path)),
                path,
                is_drive=False,
                checked=state == Qt.CheckState.Checked,
            )

    def _add(self, text: str, path: Path, *, is_drive: bool, checked: bool) -> None:
        item = QListWidgetItem(text, self.sources)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setData(PathRole, str(path))
        item.setData(Qt.ItemDataRole.UserRole, is_drive)
        self.sources.setCurrentItem(item)

    def _path(self, row: int) -> Path:
        return Path(str(self.sources.item(row).data(PathRole)))

    def add_path(self, path: Path) -> None:
        """Add (and tick) a folder; one already listed is ticked again."""
        for row in range(self.sources.count()):
            if self._path(row) == path:
                self.sources.item(row).setCheckState(Qt.CheckState.Checked)
                self.sources.setCurrentRow(row)
                return
        self._add(self.tr("Folder {0}").format(str(path)), path, is_drive=False, checked=True)

    def choose_folder(self) -> None:
        drives = self.drive_lister(self.ctx.data_dir)
        start = drives[0].root if drives else Path.home()
        chosen = self.folder_picker(self, start)
        if chosen is not None:
            self.add_path(chosen)
        self.add_folder.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_selected(self) -> None:
        row = self.sources.currentRow()
        if row >= 0:
            self.sources.takeItem(row)
        (self.sources if self.sources.count() else self.add_folder).setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    def paths(self) -> list[Path]:
        """The ticked drives and folders, in the list's order."""
        return [
            self._path(row)
            for row in range(self.sources.count())
            if self.sources.item(row).checkState() == Qt.CheckState.Checked
        ]

    # --- the certificate and the election ---------------------------------------------------

    def ca_path(self) -> Path | None:
        text = self.ca.text().strip()
        return Path(text) if text else None

    def pick_ca(self) -> None:
        current = self.ca_path()
        start = current.parent if current is not None else Path.home()
        chosen = self.ca_picker(self, start)
        if chosen is not None:
            self.ca.setText(str(chosen))
        self.choose_ca.setFocus(Qt.FocusReason.OtherFocusReason)

    def definition(self) -> ElectionDefinition | None:
        index = self.election.currentIndex()
        if index < 0:
            return None
        fingerprint = self.election.itemData(index)
        return next((d for d in self._elections if d.fingerprint == fingerprint), None)

    def pick_election(self) -> None:
        chosen = self.election_picker(self, Path.home())
        if chosen is not None:
            self.use_election_file(chosen)
        self.open_election.setFocus(Qt.FocusReason.OtherFocusReason)

    def use_election_file(self, path: Path) -> bool:
        """Load an election file and select it; its problems are reported if it is not valid."""
        return add_election_file(self.ctx, path, self._elections, self.election)

    def controls(self) -> list[QWidget]:
        """In Tab order."""
        return [
            self.sources, self.add_folder, self.refresh_drives, self.remove, self.ca,
            self.choose_ca, self.election, self.open_election, self.allow_test, self.verify,
        ]  # fmt: skip
