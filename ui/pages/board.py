"""Board: who is on the precinct board, by name and role (issue item 3).

The roles come from the election definition, so printouts and the audit log can name each
person with their role. A role still short of its minimum is listed, but does not stop the
board from going on: the inspector may fill it in later, before finalizing.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tally_app.store.records import BoardMember
from ui.context import AppContext
from ui.messages import UserMessage
from ui.models import ItemRole, SnapshotTableModel
from ui.pages.base import Page
from ui.widgets import StatusBadge, button_row


class BoardPage(Page):
    key = "board"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # The page lives as long as its precinct; table cells must draw even while it closes.
        self.definition = ctx.open.definition
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Add each member of the precinct board with their role. "
                "Type the name, choose the role, then press Enter."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.locked = StatusBadge(self.tr("Locked"), self)
        self.locked.hide()
        layout.addWidget(self.locked)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name = QLineEdit(self)
        self.name.setAccessibleName(self.tr("Name of the new board member"))
        name_label = QLabel(self.tr("Na&me:"), self)
        name_label.setWordWrap(True)
        name_label.setBuddy(self.name)
        form.addRow(name_label, self.name)
        self.role = QComboBox(self)
        self.role.setAccessibleName(self.tr("Role of the new board member"))
        role_label = QLabel(self.tr("R&ole:"), self)
        role_label.setWordWrap(True)
        role_label.setBuddy(self.role)
        form.addRow(role_label, self.role)
        layout.addLayout(form)

        self.add = QPushButton(self.tr("&Add person"), self)
        self.add.setAccessibleName(self.tr("Add person to the board"))
        layout.addLayout(button_row(self.add))
        self.needed = StatusBadge(self.tr("Roles still needed"), self)
        layout.addWidget(self.needed)

        members_label = QLabel(self.tr("Board members:"), self)
        members_label.setWordWrap(True)
        layout.addWidget(members_label)
        self.model: SnapshotTableModel[BoardMember] = SnapshotTableModel(
            [self.tr("Name"), self.tr("Role")], [lambda m: m.name, self._role_title]
        )
        self.table = FittedTable(self.tr("Board members"), self, min_rows=3, max_rows=12)
        self.table.setModel(self.model)
        members_label.setBuddy(self.table)
        layout.addWidget(self.table)

        self.remove = QPushButton(self.tr("&Remove selected person"), self)
        self.remove.setAccessibleName(self.tr("Remove selected person from the board"))
        layout.addLayout(button_row(self.remove))
        layout.addStretch(1)

        self.name.returnPressed.connect(lambda: self.add_person())
        self.add.clicked.connect(lambda: self.add_person())
        self.remove.clicked.connect(self.remove_selected)
        self.setTabOrder(self.name, self.role)
        self.setTabOrder(self.role, self.add)
        self.setTabOrder(self.add, self.table)
        self.setTabOrder(self.table, self.remove)

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Who is on the precinct board")

    def first_field(self) -> QWidget:
        return self.table if self.is_locked() else self.name

    def enter(self) -> None:
        roles = self.definition.board_roles
        if self.role.count() != len(roles):
            self.role.clear()
            for r in roles:
                self.role.addItem(r.title, r.id)
        locked = self.is_locked()
        self.name.setReadOnly(locked)
        self.role.setEnabled(not locked)
        self.add.setEnabled(not locked)
        if locked:
            self.locked.show_status(
                "warn",
                self.tr(
                    "Finalized and locked: the board list cannot change now. Ask your"
                    " supervisor to start a correction if something must change."
                ),
            )
        self.locked.setVisible(locked)
        self.needed.setVisible(not locked)  # "add them later" no longer holds
        self._reload()
        self._choose_needed_role()

    def commit_pending(self) -> bool:
        """A name typed but not added is added with the chosen role before the page is left."""
        name = self.name.text().strip()
        if not name or self.is_locked():
            return True
        if self.role.currentData() is None:
            self.ctx.report(
                UserMessage(
                    self.tr("Please check"),
                    self.tr("{0} is typed, but no role is chosen, so they are not added.").format(
                        name
                    ),
                    self.tr("This is about what was entered or chosen."),
                    self.tr("Choose the role and press Enter, or clear the name."),
                )
            )
            self.role.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        return self.add_person()

    def is_locked(self) -> bool:
        return self.ctx.open.locked

    # --- actions --------------------------------------------------------------------------

    def add_person(self) -> bool:
        """Add the typed name with the chosen role; on failure the name stays typed."""
        if self.is_locked():
            return False
        name = self.name.text().strip()
        role = self.role.currentData()
        ok = self.ctx.commit(lambda: self.ctx.open.add_board_member(name, role, self.ctx.actor()))
        if ok:
            self.name.clear()
            self._reload()
            self._choose_needed_role()
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)
        return ok

    def remove_selected(self) -> None:
        member = self.selected()
        if self.is_locked():
            return
        if member is None:
            self.needed.show_status("warn", self.tr("Choose a person in the list first."))
            return
        if not self._confirm_remove(member):
            return
        if self.ctx.commit(lambda: self.ctx.open.remove_board_member(member.id, self.ctx.actor())):
            self._reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected(self) -> BoardMember | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        member: BoardMember = self.model.data(index, ItemRole)
        return member

    # --- drawing ---------------------------------------------------------------------------

    def _reload(self) -> None:
        row = max(0, self.table.currentIndex().row())
        board = self.ctx.open.board()
        self.model.set_items(board)
        if board:
            self.table.setCurrentIndex(self.model.index(min(row, len(board) - 1), 0))
        self.remove.setEnabled(bool(board) and not self.is_locked())
        self._show_needed()

    def _role_title(self, member: BoardMember) -> str:
        for r in self.definition.board_roles:
            if r.id == member.role:
                return r.title
        return member.role

    def _missing(self) -> list[tuple[str, str, int]]:
        """(role id, title, how many more) for each role short of its minimum."""
        have: dict[str, int] = {}
        for m in self.ctx.open.board():
            have[m.role] = have.get(m.role, 0) + 1
        return [
            (r.id, r.title, r.min_count - have.get(r.id, 0))
            for r in self.definition.board_roles
            if have.get(r.id, 0) < r.min_count
        ]

    def _show_needed(self) -> None:
        missing = self._missing()
        if not missing:
            self.needed.show_status("ok", self.tr("Every role the election asks for is filled."))
            return
        parts = [
            title if more == 1 else self.tr("{0} ({1} more)").format(title, more)
            for _, title, more in missing
        ]
        self.needed.show_status(
            "warn",
            self.tr("Still needed: {0}. You can go on and add them later.").format(
                ", ".join(parts)
            ),
        )

    def _choose_needed_role(self) -> None:
        """Preselect the first role still short, so adding the board is mostly typing names."""
        missing = self._missing()
        if missing:
            self.role.setCurrentIndex(max(0, self.role.findData(missing[0][0])))

    def _confirm_remove(self, member: BoardMember) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Remove {0} from the board?").format(member.name))
        box.setText(
            self.tr("{0} ({1}) will no longer be listed on the board.").format(
                member.name, self._role_title(member)
            )
        )
        yes = box.addButton(
            self.tr("Yes, remove {0}").format(member.name), QMessageBox.ButtonRole.YesRole
        )
        no = box.addButton(self.tr("No"), QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes


class FittedTable(QTableView):
    """A read-only, row-selecting table as tall as its rows (up to ``max_rows``).

    Tables on these pages hold a handful of rows: sized to fit them, the controls below stay
    in view instead of being pushed off by empty table space; the window scrolls vertically
    when text is large. Tab leaves the table (no keyboard trap); arrows move between rows.
    """

    def __init__(
        self,
        accessible_name: str,
        parent: QWidget | None = None,
        *,
        min_rows: int = 2,
        max_rows: int = 10,
        fit_columns: tuple[int, ...] = (),
    ) -> None:
        super().__init__(parent)
        self._min_rows = min_rows
        self._max_rows = max_rows
        self.setAccessibleName(accessible_name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # No row numbers: they mean nothing here, and their corner is an unnamed button.
        self.verticalHeader().hide()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit_columns = fit_columns  # short columns: as wide as their text, no wider

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        for column in self._fit_columns:
            self.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        if model is not None:
            model.modelReset.connect(self._refit)

    def _refit(self) -> None:
        self.resizeRowsToContents()
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        shown = min(rows, self._max_rows)
        default = self.verticalHeader().defaultSectionSize()
        height = sum(max(self.rowHeight(r), default) for r in range(shown))
        height += default * max(0, self._min_rows - shown)
        height += self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._refit()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        # A new width re-wraps the text, which changes the rows' heights.
        self.resizeRowsToContents()
        if self.sizeHint().height() != self.height():
            self.updateGeometry()
