"""Export: the finalized precinct's signed bundle to a USB drive or a folder (DESIGN §6, §10).

Where (a removable drive, or any folder), who (two different board members, DESIGN §13),
and the laptop's signing key (unlocked with its passphrase, or, on a laptop without one,
made now with a passphrase the inspector chooses: it then says "not county-issued", §9).
The core writes every file, reads each back, and only then records the export; the page
shows each file as it is written and checked, and says "safe to remove" only after that.
A failure says what happened and what to do, and the page stays ready for another drive.

The key's fields and checks are those the print page uses too (ui/signing_key.py): the
passphrase is cleared as soon as it is read, never kept or logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QStorageInfo, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tally_app import service
from tally_app.errors import InputError
from ui.context import AppContext
from ui.drives import Drive, removable_drives
from ui.messages import UserMessage, error_message
from ui.pages.base import ActionPage
from ui.signing_key import KEY_CODES, KeyRefusal, SigningKeyFields
from ui.widgets import EnterButton, StatusBadge, announce, button_row, chain_tab_order, heading

if TYPE_CHECKING:
    from tally_app.export.bundle import ExportReport
    from tally_app.trust.identity import Identity

log = logging.getLogger(__name__)


def grouped_hex(digest: str, size: int = 4) -> str:
    """'3f2a9c…' as '3f2a 9c…': groups of 4 hex digits a person can compare by eye."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))


def size_text(page: QWidget, count: int) -> str:
    """A byte count in the units a person reads on a drive's label (1 GB = 10⁹ bytes)."""
    if count < 1000:
        return page.tr("{0} bytes").format(count)
    value = count / 1000
    for unit in (page.tr("KB"), page.tr("MB"), page.tr("GB")):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} {page.tr('TB')}"


def pick_folder(parent: QWidget) -> Path | None:
    """The system's folder dialog; None when the worker cancels."""
    chosen = QFileDialog.getExistingDirectory(parent, parent.tr("Choose the folder to export to"))
    return Path(chosen) if chosen else None


class ExportPage(ActionPage):
    key = "export"
    activity = "export"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # Replaceable by tests: where drives and folders come from.
        self.drive_finder: Callable[[], list[Drive]] = lambda: removable_drives(
            exclude=[self.ctx.data_dir]
        )
        self.folder_picker: Callable[[QWidget], Path | None] = pick_folder
        self.target: Path | None = None
        self.last_report: ExportReport | None = None

        layout = QVBoxLayout(self)
        self.state = StatusBadge(self.tr("Export status"), self)
        layout.addWidget(self.state)

        # --- 1. where ---------------------------------------------------------------------
        layout.addWidget(heading(self.tr("1. Where to export"), self))
        self.drives_label = QLabel(self.tr("USB &drives:"), self)
        self.drives_label.setWordWrap(True)
        self.drives = QListWidget(self)
        self.drives.setAccessibleName(self.tr("USB drives"))
        # As tall as its few rows, so the rest of the page stays on screen.
        self.drives.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.drives.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        # Long names wrap (at 200 % text too), never a sideways scroll bar.
        self.drives.setWordWrap(True)
        self.drives.setResizeMode(QListView.ResizeMode.Adjust)
        self.drives.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.drives.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.drives_label.setBuddy(self.drives)
        self.no_drive = QLabel(self.tr("No USB drive found — plug one in and press Refresh."), self)
        self.no_drive.setWordWrap(True)
        _stack(layout, (self.drives_label, self.drives, self.no_drive))
        self.refresh = EnterButton(self.tr("&Refresh"), self)
        self.refresh.setAccessibleName(self.tr("Refresh the list of USB drives"))
        self.choose = EnterButton(self.tr("Choose a &folder…"), self)
        self.choose.setAccessibleName(self.tr("Choose a folder instead of a drive"))
        layout.addLayout(button_row(self.refresh, self.choose))
        self.target_text = QLabel(self)
        self.target_text.setWordWrap(True)
        layout.addWidget(self.target_text)

        # --- 2. who -----------------------------------------------------------------------
        layout.addWidget(heading(self.tr("2. Two board members confirm"), self))
        self.first = QComboBox(self)
        self.first.setAccessibleName(self.tr("First board member confirming the export"))
        first_label = QLabel(self.tr("Fir&st board member confirming:"), self)
        first_label.setWordWrap(True)
        first_label.setBuddy(self.first)
        self.second = QComboBox(self)
        self.second.setAccessibleName(self.tr("Second board member confirming the export"))
        second_label = QLabel(self.tr("Se&cond board member confirming:"), self)
        second_label.setWordWrap(True)
        second_label.setBuddy(self.second)
        _stack(layout, (first_label, self.first, second_label, self.second))

        # --- 3. the signing key -------------------------------------------------------------
        self.signing_key = SigningKeyFields(
            ctx, self.tr("3. Sign the results"), self._unlocked_note, self
        )
        self.signing_key.add_to(layout)

        # --- 4. export, progress, result -----------------------------------------------------
        self.export = EnterButton(self.tr("&Export and check"), self)
        self.export.setAccessibleName(self.tr("Export the results and check them"))
        layout.addLayout(button_row(self.export))
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Export progress"))
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.result = StatusBadge(self.tr("Export result"), self)
        self.result.hide()
        layout.addWidget(self.result)
        # Plain labels (no accessible name, so a screen reader reads what they show).
        self.folder_text = QLabel(self)
        self.folder_text.setWordWrap(True)
        self.folder_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_caption = QLabel(
            self.tr("Results fingerprint, for comparing by eye:"), self
        )
        self.fingerprint_caption.setWordWrap(True)
        self.fingerprint = QLabel(self)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setProperty("role", "heading")
        self.fingerprint.setStyleSheet("font-family: monospace;")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files_text = QLabel(self)
        self.files_text.setWordWrap(True)
        self.details = (
            self.folder_text,
            self.fingerprint_caption,
            self.fingerprint,
            self.files_text,
        )
        for w in self.details:
            w.hide()
            layout.addWidget(w)
        layout.addStretch(1)

        self.refresh.clicked.connect(self.refresh_drives)
        self.choose.clicked.connect(self._pick)
        self.drives.currentItemChanged.connect(self._drive_chosen)
        self.export.clicked.connect(self.run_export)
        chain_tab_order((
            self.drives, self.refresh, self.choose, self.first, self.second,
            self.signing_key.passphrase, self.signing_key.again, self.export,
        ))  # fmt: skip

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Export the results to a USB drive")

    def first_field(self) -> QWidget | None:
        return self.drives if self.drives.count() else self.refresh

    def enter(self) -> None:
        self.refresh_drives()
        self.fill_confirmers(self.first, self.second)
        self.signing_key.refresh()
        self._show_state()

    # --- drawing ---------------------------------------------------------------------------

    def _show_state(self) -> None:
        session = self.ctx.open
        if not session.locked:
            self.state.show_status(
                "bad", self.tr("Finalize the precinct first: only finalized counts are exported.")
            )
            self.export.setEnabled(False)
            return
        self.export.setEnabled(True)
        if session.state == "exported":
            self.state.show_status(
                "ok",
                self.tr(
                    "Precinct {0} is exported. You may export it again to a second drive."
                ).format(session.precinct.id),
            )
        else:
            self.state.show_status(
                "ok",
                self.tr(
                    "Precinct {0} is finalized. Choose a drive, 2 board members confirm, "
                    "then export."
                ).format(session.precinct.id),
            )

    def refresh_drives(self) -> None:
        """List the removable drives again; keep the chosen one if it is still there."""
        chosen = self.target
        try:
            drives = self.drive_finder()
        except Exception:  # a drive that vanished mid-listing: show none, not a traceback
            log.exception("listing the drives failed")
            drives = []
        self.drives.blockSignals(True)
        self.drives.clear()
        for drive in drives:
            item = QListWidgetItem(
                self.tr("{0} — {1} free\n{2}").format(
                    drive.name, size_text(self, drive.free), str(drive.root)
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, str(drive.root))
            self.drives.addItem(item)
            if chosen is not None and drive.root == chosen:
                self.drives.setCurrentItem(item)
        self.drives.blockSignals(False)
        self.drives.setVisible(bool(drives))
        self.drives_label.setVisible(bool(drives))
        self.no_drive.setVisible(not drives)
        if self.drives.count() and self.drives.currentItem() is None and chosen is None:
            self.drives.setCurrentRow(0)  # the only drive, most of the time
        self._show_target()

    def choose_folder(self, folder: Path) -> None:
        """Export to this folder (a drive's root or any folder)."""
        self.target = Path(folder)
        self.drives.blockSignals(True)
        self.drives.setCurrentRow(-1)
        self.drives.clearSelection()
        for row in range(self.drives.count()):
            item = self.drives.item(row)
            if item is not None and Path(item.data(Qt.ItemDataRole.UserRole)) == self.target:
                self.drives.setCurrentItem(item)
        self.drives.blockSignals(False)
        self._show_target()

    def _pick(self) -> None:
        folder = self.folder_picker(self)
        if folder is not None:
            self.choose_folder(folder)
            self.first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _drive_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.target = Path(item.data(Qt.ItemDataRole.UserRole))
            self._show_target()

    def _show_target(self) -> None:
        if self.target is None:
            self.target_text.setText(self.tr("Export to: no drive or folder chosen yet."))
            return
        storage = QStorageInfo(str(self.target))
        free = (
            size_text(self, int(storage.bytesAvailable()))
            if storage.isValid() and storage.isReady()
            else self.tr("unknown")
        )
        self.target_text.setText(
            self.tr("Export to: {0} ({1} free)").format(str(self.target), free)
        )

    def _unlocked_note(self, identity: Identity) -> str:
        return self.tr("The signing key is unlocked ({0}): no passphrase is needed.").format(
            identity.device_id
        )

    # --- the export ------------------------------------------------------------------------

    def run_export(self) -> None:
        """Check what the page can check, unlock the key, export, and show the result."""
        if not self.ctx.open.locked:
            return
        if self.target is None:
            self.show_problem(
                self.tr("No drive or folder is chosen."),
                self.tr("Choose a USB drive from the list, or choose a folder."),
                self.drives if self.drives.count() else self.choose,
            )
            return
        first, second = self.first.currentData(), self.second.currentData()
        if first is None or second is None or first == second:
            self.show_failure(
                error_message(
                    InputError("export_confirmers", "Exporting needs two different members.")
                ),
                self.second,
            )
            return
        secret = self.signing_key.take_secret()
        if isinstance(secret, KeyRefusal):
            self.show_problem(secret.problem, secret.action, self.signing_key.passphrase)
            return
        self.export.setEnabled(False)
        self.result.hide()
        for w in self.details:
            w.hide()
        try:
            report = self.attempt(lambda: self._export(secret, (int(first), int(second))))
        finally:
            self.export.setEnabled(True)
            self.signing_key.refresh()  # a key made just now: from here on it is unlocked
        if isinstance(report, UserMessage):
            self.progress.hide()
            retype = self.failed_code in KEY_CODES
            self.show_failure(report, self.signing_key.passphrase if retype else self.refresh)
            return
        self._succeeded(report)

    def _export(self, secret: bytes, confirmers: tuple[int, int]) -> ExportReport:
        identity = self.signing_key.unlock(secret)
        assert self.target is not None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("Starting the export…"))
        self.progress.show()
        self._paint()
        self.bring_into_view(self.progress)
        return service.export_precinct(
            self.ctx.open,
            self.target,
            identity,
            confirmer_ids=confirmers,
            actor=self.ctx.actor(),
            progress=self._progress,
        )

    def _progress(self, stage: str, done: int, total: int) -> None:
        """The core reports each file written, then each file read back and compared."""
        self.progress.setRange(0, 2 * total)
        if stage == "write":
            text = self.tr("Writing file {0} of {1}").format(done, total)
            self.progress.setValue(done)
        else:
            text = self.tr("Checking file {0} of {1}").format(done, total)
            self.progress.setValue(total + done)
        self.progress.setFormat(text)
        self.progress.setAccessibleDescription(text)
        self._paint()

    def _paint(self) -> None:
        """Let the bar repaint; clicks and keys wait until the export has finished."""
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def _succeeded(self, report: ExportReport) -> None:
        self.last_report = report
        count = len(report.files)
        self.progress.setRange(0, max(1, 2 * count))
        self.progress.setValue(self.progress.maximum())
        done = self.tr("All {0} files written and checked").format(count)
        self.progress.setFormat(done)
        self.progress.setAccessibleDescription(done)
        text = self.tr(
            "Safe to remove the drive. The export is complete: every file was read back "
            "from the drive and matches."
        )
        if not report.county_issued:
            text += " " + self.tr(
                'Signed by this laptop\'s own key ({0}): the files say "not county-issued".'
            ).format(report.device_id)
        else:
            text += " " + self.tr("Signed by the county-issued key of {0}.").format(
                report.device_id
            )
        self.result.show_status("ok", text)
        self.folder_text.setText(self.tr("Folder written: {0}").format(str(report.folder)))
        self.fingerprint.setText(grouped_hex(report.results_sha256))
        names = ", ".join(f.name for f in report.files)
        self.files_text.setText(self.tr("{0} files: {1}").format(count, names))
        self.result.show()
        for w in self.details:
            w.show()
        announce(self.result, text)
        self._show_state()
        self.ctx.entries_changed.emit()  # the header now says "exported"
        when = self.ctx.clock.now().astimezone().strftime("%H:%M:%S")
        self.ctx.saved.emit(self.tr("Exported and checked at {0}").format(when))
        self.refresh_drives()  # the free space changed
        self.export.setFocus(Qt.FocusReason.OtherFocusReason)
        self.bring_into_view(self.files_text, self.result)

    def failure_text(self, problem: str, action: str) -> str:
        return self.tr("Not exported. {0} {1}").format(problem, action)

    def hide_success(self) -> None:
        """Nothing on the page says "safe" after a failure."""
        for w in self.details:
            w.hide()


def _stack(layout: QVBoxLayout, widgets: tuple[QWidget, ...]) -> None:
    for widget in widgets:
        layout.addWidget(widget)
