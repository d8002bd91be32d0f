"""The poll-worker window: a header that always says where you are, one step at a time.

The header shows the election, the precinct, the step ("Step 3 of 9") and whether every
entry is saved. Below it, one page; at the bottom, Previous and Save & Next. The steps
are built from the definition once a precinct is open (ui.steps), and the window records
the current step in the precinct file, so a restart resumes on the same page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tally_app import service
from ui.context import AppContext
from ui.messages import UserMessage
from ui.pages.base import Page
from ui.pages.start import StartPage
from ui.view_menu import ViewMenuWindow
from ui.widgets import CountField, StatusBadge

if TYPE_CHECKING:  # the steps and their pages load with the first precinct
    from ui.steps import Step


class MainWindow(ViewMenuWindow):
    def __init__(self, ctx: AppContext, *, resume: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Precinct Tally"))
        self.steps: list[Step] = []
        self.index = -1
        # Count fields whose typed value could not be saved, with the reason (the header
        # names the last one until it is saved or typed back).
        self._unsaved: list[tuple[CountField, UserMessage | None]] = []
        self._not_saved_shown = False

        central = QWidget(self)
        outer = QVBoxLayout(central)

        self.where = QLabel(central)
        self.where.setProperty("role", "heading")
        self.where.setWordWrap(True)
        self.where.setAccessibleName(self.tr("Election and precinct"))
        self.step_label = QLabel(central)
        self.step_label.setWordWrap(True)
        self.step_label.setAccessibleName(self.tr("Current step"))
        self.saved = StatusBadge(self.tr("Save status"), central)
        self.problem = StatusBadge(self.tr("Problem"), central)
        self.problem.hide()
        for w in (self.where, self.step_label, self.saved, self.problem):
            outer.addWidget(w)

        self.stack = QStackedWidget()
        self.page_scroll = QScrollArea(central)
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_scroll.setWidget(self.stack)
        self.page_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.page_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a stop on the Tab chain
        outer.addWidget(self.page_scroll, 1)

        nav = QHBoxLayout()
        self.previous = QPushButton(self.tr("&Previous"), central)
        self.previous.setAccessibleName(self.tr("Previous step"))
        self.next = QPushButton(self.tr("Save && &Next"), central)
        self.next.setAccessibleName(self.tr("Save and go to the next step"))
        # Enter on a focused Previous or Next presses it (as Space does). In a main window
        # there is no default button, so Enter in a count field still only advances the cursor.
        for button in (self.previous, self.next):
            button.setAutoDefault(True)
        self.next.setProperty("primary", True)
        nav.addWidget(self.previous)
        nav.addStretch(1)
        nav.addWidget(self.next)
        outer.addLayout(nav)
        self.setCentralWidget(central)

        self.previous.clicked.connect(self.go_previous)
        self.next.clicked.connect(self.go_next)
        self._menus()

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_in_view)
        ctx.saved.connect(self._saved)
        ctx.failed.connect(self.show_problem)
        ctx.navigate.connect(self.go_to_key)
        ctx.entries_changed.connect(self.refresh_header)

        self.start = StartPage(ctx, self)
        self.start.chosen.connect(self.open_precinct)
        self.stack.addWidget(self.start)
        self.show_start()
        if resume:
            # After the first paint, so the window appears before the store is opened.
            QTimer.singleShot(0, self.resume_last)

    # --- menus and shortcuts -------------------------------------------------------------

    def _menus(self) -> None:
        _view, zoom = self.add_view_menu()
        go = self.menuBar().addMenu(self.tr("&Go"))
        forward = QAction(self.tr("&Next step"), self)
        forward.setShortcuts([QKeySequence("Alt+Right"), QKeySequence("Ctrl+PgDown")])
        forward.triggered.connect(self.go_next)
        back = QAction(self.tr("&Previous step"), self)
        back.setShortcuts([QKeySequence("Alt+Left"), QKeySequence("Ctrl+PgUp")])
        back.triggered.connect(self.go_previous)
        self.back_action = back
        home = QAction(self.tr("&Choose another precinct"), self)
        home.triggered.connect(self.close_precinct)
        for a in (forward, back, home):
            go.addAction(a)
        self.addActions([*zoom, forward, back])

    # --- status ----------------------------------------------------------------------------

    def _saved(self, text: str) -> None:
        self.problem.hide()
        self._show_save_state(text)

    def show_problem(self, message: UserMessage) -> None:
        if self.ctx.in_commit:
            # A write failed: the header must not go on saying "All entries saved".
            self._show_not_saved(
                self.tr("Not saved. {0} {1}").format(message.problem, message.action)
            )
            return
        self.problem.show_status("bad", f"{message.problem} {message.cause} {message.action}")
        self.problem.show()

    def field_save_state(self, field: CountField) -> None:
        """A count field was marked unsaved (or is saved again): the header says which."""
        self._unsaved = [(f, m) for f, m in self._unsaved if f is not field]
        if field.is_unsaved:
            self._unsaved.append((field, self.ctx.last_failure))
        self._show_save_state()

    def unsaved_fields(self) -> list[CountField]:
        """The count fields still showing a value that could not be saved."""
        self._unsaved = [(f, m) for f, m in self._unsaved if isValid(f) and f.is_unsaved]
        return [f for f, _ in self._unsaved]

    def _show_save_state(self, ok_text: str | None = None) -> None:
        if self.unsaved_fields():
            field, message = self._unsaved[-1]
            value = field.text() or self.tr("empty")
            text = self.tr("Not saved: {0} = {1}.").format(field.accessibleName(), value)
            if message is not None:
                text += f" {message.problem} {message.action}"
            self._show_not_saved(text)
        elif ok_text is not None:
            self._not_saved_shown = False
            self.saved.show_status("ok", ok_text)
        elif self._not_saved_shown:
            self._not_saved_shown = False
            self.saved.show_status("ok", self.tr("Every entry is saved"))

    def _show_not_saved(self, text: str) -> None:
        self.problem.hide()  # the header's save status says it all, once
        self._not_saved_shown = True
        self.saved.show_status("bad", text)

    def _header(self) -> None:
        definition = self.ctx.definition
        session = self.ctx.session
        if definition is None:
            self.where.setText(self.tr("No election chosen"))
        elif session is None:
            self.where.setText(definition.title)
        else:
            state = {
                "counting": self.tr("counting"),
                "reconciled": self.tr("reconciled"),
                "finalized": self.tr("finalized, locked"),
                "exported": self.tr("exported, locked"),
            }.get(session.state, session.state)
            self.where.setText(
                self.tr("{0} — Precinct {1} ({2})").format(
                    definition.title, session.precinct.label, state
                )
            )
        if self.index < 0:
            self.step_label.setText(self.tr("Choose the election and your precinct"))
        else:
            self.step_label.setText(
                self.tr("Step {0} of {1}: {2}").format(
                    self.index + 1, len(self.steps), self.current().title()
                )
            )

    # --- navigation ------------------------------------------------------------------------

    def show_start(self) -> None:
        self.index = -1
        self._show_page(self.start)
        self.start.enter()
        self.previous.setEnabled(False)
        self.next.setText(self.start.next_label())
        self.next.setEnabled(True)
        self.saved.show_status("ok", self.tr("Nothing to save yet"))
        self._header()
        self._focus(self.start.first_field())

    def resume_last(self) -> None:
        definition = self.ctx.definition
        if definition is None or self.ctx.session is not None:
            return
        precinct_id = service.last_precinct(self.ctx.data_dir, definition)
        if precinct_id is not None:
            self.open_precinct(precinct_id)

    def open_precinct(self, precinct_id: str) -> None:
        definition = self.ctx.definition
        resumed = (
            definition is not None
            and service.precinct_file(self.ctx.data_dir, definition.id, precinct_id).exists()
        )
        if not self.ctx.open_precinct(precinct_id):
            return
        from ui.steps import build_steps  # the pages load with the first precinct, not at start

        self._drop_pages()
        self.steps = build_steps(self.ctx, self.stack)
        resume = self.ctx.open.resume_page
        keys = [step.key for step in self.steps]
        self.go_to(keys.index(resume) if resume in keys else 0)
        if resumed:
            self.saved.show_status(
                "ok",
                self.tr("Precinct {0} reopened: every saved entry is back").format(precinct_id),
            )
        else:
            self.saved.show_status("ok", self.tr("Precinct {0} started").format(precinct_id))

    def _drop_pages(self) -> None:
        for step in self.steps:
            page = step.built
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self.steps = []

    def close_precinct(self) -> None:
        if self.index >= 0 and not self._leave_current():
            return
        self._drop_pages()
        self.ctx.close_precinct()
        service.forget_last_precinct(self.ctx.data_dir)
        self.show_start()

    def current(self) -> Page:
        return self.start if self.index < 0 else self.steps[self.index].page()

    def go_to(self, index: int) -> None:
        index = max(0, min(len(self.steps) - 1, index))
        while index > 0 and not self.steps[index].available():
            index -= 1  # export waits for finalize: show the last step that is open
        self.index = index
        page = self.steps[index].page()
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self._show_page(page)
        self._show_save_state()  # left the last page with nothing unsaved
        page.enter()
        self._enable_previous()
        self.next.setText(page.next_label())
        self._enable_next()
        self.ctx.attempt(lambda: self.ctx.open.set_resume_page(page.key))
        self._header()
        self.page_scroll.verticalScrollBar().setValue(0)
        self._focus(page.first_field())

    def go_next(self) -> None:
        if self.index < 0:
            self._commit_focused()
            self.start.choose()
            return
        page = self.current()
        if not self._leave_current() or not page.can_leave_forward():
            return
        if self._next_available():
            self.go_to(self.index + 1)

    def go_previous(self) -> None:
        if self.index <= 0 or not self._may_go_back():
            return
        if not self._leave_current():
            return
        self.go_to(self.index - 1)

    def go_to_key(self, key: str) -> None:
        for i, step in enumerate(self.steps):
            if step.key == key:
                if i != self.index and not self._leave_current():
                    return
                self.go_to(i)
                return

    def refresh_header(self) -> None:
        self._header()
        if self.index >= 0:
            self._enable_next()  # finalizing opens the export step

    def _next_available(self) -> bool:
        return 0 <= self.index < len(self.steps) - 1 and self.steps[self.index + 1].available()

    def _enable_next(self) -> None:
        self.next.setEnabled(self._next_available())

    def _may_go_back(self) -> bool:
        """Sheet B is entered blind: from its first contest, Previous does not open sheet A."""
        if self.index <= 0:
            return False
        here, before = self.steps[self.index].key, self.steps[self.index - 1].key
        return not (here.startswith("contest:B:") and before.startswith("contest:A:"))

    def _enable_previous(self) -> None:
        allowed = self._may_go_back()
        self.previous.setEnabled(allowed)
        self.back_action.setEnabled(allowed)
        blind = self.index > 0 and not allowed
        self.previous.setAccessibleDescription(
            self.tr(
                "Not available: sheet B is entered blind, so sheet A's pages stay closed"
                " until both sheets are compared."
            )
            if blind
            else ""
        )
        self.previous.setToolTip(self.previous.accessibleDescription())

    def _leave_current(self) -> bool:
        """Save everything typed on the current page; False (said why) if something was not."""
        if not self._commit_focused():
            return False
        page = self.current()
        if not page.commit_pending():
            return False
        unsaved = [f for f in self.unsaved_fields() if page.isAncestorOf(f)]
        if unsaved:
            self._show_save_state()
            unsaved[-1].setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        return True

    def _commit_focused(self) -> bool:
        """A shortcut does not move focus: make the field being typed in commit first.

        False when that commit failed (the field keeps its text and says "not saved").
        """
        focused = QApplication.focusWidget()
        if focused is None or not hasattr(focused, "editingFinished"):
            return True
        self.ctx.last_commit_failed = False
        focused.editingFinished.emit()
        if isinstance(focused, CountField) and focused.is_unsaved:
            return False
        return not self.ctx.last_commit_failed

    def _show_page(self, page: QWidget) -> None:
        """Show one page, sized by its own content: a stack is as tall as its tallest page,
        which would stretch a short page with gaps, so the hidden pages are ignored."""
        for i in range(self.stack.count()):
            other = self.stack.widget(i)
            if other is None:
                continue
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(page)
        self.stack.adjustSize()

    def _keep_in_view(self, old: QWidget | None, new: QWidget | None) -> None:
        """The field with the cursor is always on screen, even on a long contest."""
        if new is not None and self.stack.isAncestorOf(new):
            self.page_scroll.ensureWidgetVisible(new, 0, new.height())

    def _focus(self, widget: QWidget | None) -> None:
        if widget is not None:
            widget.setFocus(Qt.FocusReason.TabFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ctx.session is not None and self.index >= 0 and not self._leave_current():
            event.ignore()  # something typed is not saved: the header says what
            return
        self.ctx.close_precinct()
        super().closeEvent(event)


def data_dir_or_default(data_dir: Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else service.default_data_dir()
