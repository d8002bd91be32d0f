"""The Supervisor window: open, verify (with a progress bar), look, certify (DESIGN §11).

Five tabs, so that each fits a 1366×768 laptop at 200 % text: what to verify, the
precincts, the bundles not counted, the totals, the certification. Above them, always in
view, a status line and the progress bar. Verifying runs in ui/supervisor/worker.py;
while it runs the Verify button is off, and closing the window waits for the worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QProgressBar,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tally_app import service
from tally_app.aggregate.model import Aggregation, Disposition
from tally_app.clock import Clock
from tally_app.definition.model import ElectionDefinition
from ui.context import AppContext
from ui.messages import UserMessage
from ui.supervisor.certify import CertificationPanel
from ui.supervisor.choose import SourcePanel
from ui.supervisor.remembered import remember_ca
from ui.supervisor.results import BundlePanel, PrecinctPanel, TotalsPanel
from ui.supervisor.worker import AggregateWorker
from ui.view_menu import ViewMenuWindow
from ui.widgets import StatusBadge, announce, chain_tab_order, heading


def _scrolled(widget: QWidget) -> QScrollArea:
    """A tab that may be taller than the window at large text scrolls, never clips."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(widget)
    return area


class SupervisorWindow(ViewMenuWindow):
    def __init__(
        self,
        data_dir: Path,
        *,
        definition: ElectionDefinition | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("supervisorWindow")
        self.setWindowTitle(self.tr("Precinct Tally — Supervisor"))
        self.ctx = AppContext(
            Path(data_dir), definition or service.default_definition(), clock=clock
        )
        self.worker: AggregateWorker | None = None
        self._close_when_done = False  # closing was asked for while verifying
        self.aggregation: Aggregation | None = None

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.addWidget(heading(self.tr("Supervisor: verify and add up precinct results"), central))
        self.status = StatusBadge(self.tr("Supervisor status"), central)
        outer.addWidget(self.status)
        self.progress = QProgressBar(central)
        self.progress.setAccessibleName(self.tr("Bundles verified"))
        self.progress.setFormat(self.tr("%v of %m bundles verified"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.hide()
        outer.addWidget(self.progress)

        self.tabs = QTabWidget(central)
        self.tabs.setAccessibleName(self.tr("Supervisor steps"))
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setExpanding(False)
        self.tabs.tabBar().setUsesScrollButtons(True)
        self.source = SourcePanel(self.ctx)
        self.precincts = PrecinctPanel()
        self.bundles = BundlePanel()
        self.totals = TotalsPanel()
        self.certification = CertificationPanel(self.ctx, self.source.drive_lister)
        self.tabs.addTab(_scrolled(self.source), self.tr("1. &Open"))
        self.tabs.addTab(_scrolled(self.precincts), self.tr("2. &Precincts"))
        self.tabs.addTab(_scrolled(self.bundles), self.tr("3. &Bundles not counted"))
        self.tabs.addTab(_scrolled(self.totals), self.tr("4. &Totals"))
        self.tabs.addTab(_scrolled(self.certification), self.tr("5. &Certification"))
        outer.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        chain_tab_order(
            [
                self.tabs.tabBar(),
                *self.source.controls(),
            ]
        )
        chain_tab_order([self.precincts.show_choice, self.precincts.table])
        chain_tab_order(self.certification.controls())

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_in_view)
        self.source.verify_requested.connect(self.verify)
        self.ctx.failed.connect(self.show_problem)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._menus()
        self.status.show_status(
            "ok",
            self.tr(
                "Tick the drives or add a folder, check the CA certificate and the election, "
                "then press Verify and add up."
            ),
        )
        QTimer.singleShot(0, self.source.refresh)

    # --- menus -------------------------------------------------------------------------------

    def _menus(self) -> None:
        view, zoom = self.add_view_menu()
        close = QAction(self.tr("&Close the window"), self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        view.addAction(close)
        self.addActions([*zoom, close])

    # --- verifying -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def verify(self) -> None:
        """Check what was chosen, then verify and add up in the worker thread."""
        if self.busy:
            return
        paths = self.source.paths()
        if not paths:
            self._refuse(
                self.tr("No drive or folder is ticked."),
                self.tr("Add the folder or tick the drive that holds the results bundles."),
                self.source.add_folder,
            )
            return
        ca = self.source.ca_path()
        if ca is None:
            self._refuse(
                self.tr("No county CA certificate is chosen."),
                self.tr("Choose the ca.pem file the county gave you."),
                self.source.choose_ca,
            )
            return
        definition = self.source.definition()
        if definition is None:
            self._refuse(
                self.tr("No election is chosen."),
                self.tr("Choose the election, or open its file."),
                self.source.election,
            )
            return
        roots = self.ctx.attempt(lambda: service.load_trust_roots(ca))
        if roots is None:
            self.source.ca.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.ctx.attempt(lambda: remember_ca(self.ctx.data_dir, ca))
        self.ctx.definition = definition
        worker = AggregateWorker(
            paths, definition, roots, allow_test=self.source.allow_test.isChecked()
        )
        worker.progress.connect(self._progress)
        worker.succeeded.connect(self._done)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._worker_finished)
        self.worker = worker
        self.source.verify.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the bundles are counted
        self.progress.show()
        self.status.show_status("ok", self.tr("Looking for bundles and verifying them…"))
        worker.start()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setAccessibleDescription(
            self.tr("{0} of {1} bundles verified").format(done, total)
        )

    def _worker_finished(self) -> None:
        worker = self.worker
        self.worker = None
        if worker is not None:
            worker.deleteLater()
        self.source.verify.setEnabled(True)
        if self._close_when_done:
            self.close()

    def _failed(self, message: UserMessage) -> None:
        self.progress.hide()
        self.show_problem(message)
        self.source.verify.setFocus(Qt.FocusReason.OtherFocusReason)

    def _done(self, aggregation: Aggregation) -> None:
        self.aggregation = aggregation
        found = len(aggregation.bundles)
        self.progress.setRange(0, max(found, 1))
        self.progress.setValue(max(found, 1) if found == 0 else found)
        for panel in (self.precincts, self.bundles, self.totals):
            panel.set_aggregation(aggregation)
        self.certification.set_aggregation(aggregation)
        counted = sum(1 for b in aggregation.bundles if b.disposition.summed)
        conflicts = sum(1 for b in aggregation.bundles if b.disposition is Disposition.CONFLICT)
        text = self.tr(
            "Bundles found: {0}; counted: {1}, refused: {2}, in conflict: {3}. Precincts "
            "reporting: {4} of {5}; missing: {6}."
        ).format(
            found,
            counted,
            len(aggregation.rejected),
            conflicts,
            len(aggregation.reporting),
            aggregation.precincts_total,
            len(aggregation.missing),
        )
        if aggregation.is_test:  # a TEST bundle was summed (--test)
            text = self.tr("TEST bundles were counted: these totals are a test, not results.") + (
                " " + text
            )
        if found == 0:
            kind = "bad"
            text = self.tr(
                "No results bundle was found in the drives and folders ticked. Check that the "
                "right drive is plugged in, or add the folder that holds the bundles."
            )
        elif not aggregation.all_accepted:
            kind = "bad"
            text += " " + self.tr("Read the bundles not counted before certifying.")
        if aggregation.warnings:  # folders that could not be searched: bundles may be missed
            kind = "bad"
            text += " " + self.tr(
                "Some folders could not be searched, so bundles in them were not seen: {0}"
            ).format(" ".join(aggregation.warnings))
        elif aggregation.missing:
            kind = "warn"
        else:
            kind = "ok"
        self.status.show_status(kind, text)
        announce(self.status, text)
        if found:
            self.tabs.setCurrentIndex(1)
            self.precincts.show_choice.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- messages --------------------------------------------------------------------------------

    def show_problem(self, message: UserMessage) -> None:
        self.status.show_status("bad", f"{message.problem} {message.cause} {message.action}")

    def _refuse(self, problem: str, action: str, focus: QWidget) -> None:
        self.status.show_status("bad", f"{problem} {action}")
        self.tabs.setCurrentIndex(0)
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _tab_changed(self, index: int) -> None:
        if index == 4:
            self.certification.signing_key.refresh()

    def _keep_in_view(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The control with the focus is scrolled into view (keyboard users see it)."""
        if new is None or not isValid(self):
            return
        for index in range(self.tabs.count()):
            area = self.tabs.widget(index)
            inner = area.widget() if isinstance(area, QScrollArea) else None
            if isinstance(area, QScrollArea) and inner is not None and inner.isAncestorOf(new):
                area.ensureWidgetVisible(new, 20, 20)

    def closeEvent(self, event: QCloseEvent) -> None:
        """While verifying, the window stays (and says so) and closes when the core is done:
        waiting here would freeze it, and the core's pass cannot be cut short."""
        if self.worker is not None:
            self._close_when_done = True
            self.status.show_status(
                "warn", self.tr("Still verifying: the window closes when it has finished.")
            )
            event.ignore()
            return
        super().closeEvent(event)
