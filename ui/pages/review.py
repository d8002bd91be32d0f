"""Review: every finding of the checks, with its arithmetic and what to do (issue item 7).

Findings that must be fixed send the worker to the page where the numbers are typed.
Discrepancies the policy allows are explained here, in the board's words, and confirmed by
every member; the core decides what still needs an explanation (``unexplained``).

An explanation being written is a draft, kept per finding while the window is open: moving
between findings never loses it. Leaving the page (or closing the window) with a draft that
is not saved saves it at once when every board member has ticked it (the board has confirmed
that text), and otherwise asks first, with "keep editing" as the safe default: nothing typed
is dropped without the board choosing to.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tally_app.definition.model import ElectionDefinition, RuleId, Severity, selection_names
from tally_app.entries import Sheet
from tally_app.reconcile import Finding
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.store.records import Explanation
from ui.context import AppContext
from ui.models import ItemRole, SnapshotTableModel
from ui.pages.base import Page
from ui.pages.board import FittedTable
from ui.widgets import StatusBadge, button_row, finding_text, severity_word, signed, terms_text

_SEVERITY_ORDER = {Severity.BLOCK: 0, Severity.EXPLAIN: 1, Severity.WARN: 2}


def tr(text: str) -> str:
    return QCoreApplication.translate("ReviewPage", text)


def where_text(definition: ElectionDefinition, finding: Finding) -> str:
    """A human name for a finding's subject: 'Ballot accounting' or a contest and its line."""
    parts = finding.subject.split("/")
    head, _, head_id = parts[0].partition(":")
    tail_kind, _, tail_id = parts[1].partition(":") if len(parts) > 1 else ("", "", "")
    if head != "contest":
        place = tr("Ballot accounting")
        if head == "style" and len(definition.ballot_styles) > 1:
            place = tr("Ballot accounting, ballot style {0}").format(head_id)
        field = tail_id if tail_kind == "field" else (head_id if head == "field" else "")
        label = FIELD_LABELS.get(field, "")
        return f"{place}: {label}" if label else place
    try:
        contest = definition.contest(head_id)
        title = contest.title
        names: dict[str, str] = {str(k): v for k, v in selection_names(contest).items()}
    except KeyError:
        title, names = head_id, {}
    line = ""
    if tail_kind == "selection":
        line = names.get(tail_id, tail_id)
    elif tail_kind == "field":
        line = FIELD_LABELS.get(tail_id, tail_id)
    elif tail_kind == "write_in":
        line = tr("a write-in")
    elif tail_kind == "write_in_name":
        line = tr('write-in "{0}"').format(tail_id)
    text = f"{title}: {line}" if line else title
    if finding.sheet is not None and finding.rule is not RuleId.A7:
        text += tr(", sheet {0}").format(finding.sheet.value)
    return text


def arithmetic_text(finding: Finding) -> str:
    """'voted 250 + spoiled 5  vs  received 301  difference −1', or '' when not a balance."""
    if not (finding.left or finding.right):
        return ""
    text = terms_text(finding.left)
    if finding.right:
        text += "  " + tr("vs") + "  " + terms_text(finding.right)
    if finding.difference is not None:
        text += "  " + tr("difference {0}").format(signed(finding.difference))
    return text


def fix_page(finding: Finding) -> str:
    """The step where a finding's numbers are typed."""
    if finding.rule is RuleId.A7:
        return "compare"
    head = finding.subject.split("/", 1)[0]
    if head.startswith("contest:"):
        sheet = (finding.sheet or Sheet.A).value
        return f"contest:{sheet}:{head.removeprefix('contest:')}"
    return "accounting"


def explains(explanation: Explanation, finding: Finding) -> bool:
    return (explanation.rule_id, explanation.subject) == finding_key(finding)


def finding_key(finding: Finding) -> tuple[str, str]:
    return (finding.rule.value, finding.subject)


class ReviewPage(Page):
    key = "review"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # The page lives as long as its precinct; table cells must draw even while it closes.
        self.definition = ctx.open.definition
        self._unexplained: set[tuple[str, str]] = set()
        self._boxes: list[tuple[QCheckBox, int]] = []
        # Drafts and ticks per finding (rule, subject), kept while the window is open.
        self._drafts: dict[tuple[str, str], str] = {}
        self._ticks: dict[tuple[str, str], set[int]] = {}
        self._shown_key: tuple[str, str] | None = None
        self._loading = False  # the text box is being filled by the page, not typed in
        layout = QVBoxLayout(self)
        self.summary = StatusBadge(self.tr("Summary of the checks"), self)
        layout.addWidget(self.summary)
        self.locked = StatusBadge(self.tr("Locked"), self)
        self.locked.hide()
        layout.addWidget(self.locked)

        self.list_box = QWidget(self)
        list_layout = QVBoxLayout(self.list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        table_label = QLabel(self.tr("&Checks to look at:"), self.list_box)
        table_label.setWordWrap(True)
        list_layout.addWidget(table_label)
        self.model: SnapshotTableModel[Finding] = SnapshotTableModel(
            [self.tr("What to do"), self.tr("Check"), self.tr("Where"), self.tr("Arithmetic")],
            [self._what_to_do, lambda f: f.rule.value, self._where, arithmetic_text],
        )
        self.table = FittedTable(
            self.tr("Checks to look at"), self.list_box, max_rows=8, fit_columns=(0, 1)
        )
        self.table.setModel(self.model)
        table_label.setBuddy(self.table)
        list_layout.addWidget(self.table)

        self.detail = QLabel(self.list_box)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAccessibleName(self.tr("Selected check"))
        list_layout.addWidget(self.detail)
        self.go_fix = QPushButton(self.tr("Go to the page to &fix it"), self.list_box)
        self.go_fix.setAccessibleName(self.tr("Go to the page to fix it"))
        list_layout.addLayout(button_row(self.go_fix))

        self.explain_box = QGroupBox(self.tr("Explanation of this difference"), self.list_box)
        explain_layout = QVBoxLayout(self.explain_box)
        # Check boxes sized with the text (Fusion's are 13 px at any size) and outlined in the
        # text colour: Fusion's own box is invisible in the high-contrast theme. Checked is a
        # filled box, unchecked an empty one (shape, not colour).
        self.explain_box.setStyleSheet(
            "QCheckBox::indicator { width: 1em; height: 1em; border: 2px solid "
            "palette(window-text); background: palette(base); }"
            "QCheckBox::indicator:checked { background: palette(window-text); }"
        )
        self.saved_text = QLabel(self.explain_box)
        self.saved_text.setWordWrap(True)
        self.saved_text.setTextFormat(Qt.TextFormat.PlainText)
        self.saved_text.setAccessibleName(self.tr("Explanations already saved"))
        explain_layout.addWidget(self.saved_text)
        text_label = QLabel(self.tr("&What the board found:"), self.explain_box)
        text_label.setWordWrap(True)
        explain_layout.addWidget(text_label)
        self.text = QPlainTextEdit(self.explain_box)
        self.text.setTabChangesFocus(True)  # Tab moves on; it never types a tab character
        self.text.setAccessibleName(self.tr("What the board found"))
        self.text.setMinimumHeight(self.fontMetrics().height() * 4)
        text_label.setBuddy(self.text)
        explain_layout.addWidget(self.text)
        self.signers_label = QLabel(
            self.tr("Each board member reads the explanation and confirms it:"), self.explain_box
        )
        self.signers_label.setWordWrap(True)
        explain_layout.addWidget(self.signers_label)
        self.signers_layout = QVBoxLayout()
        explain_layout.addLayout(self.signers_layout)
        self.no_board = QLabel(
            self.tr("No board members are listed yet. Add them on the board page first."),
            self.explain_box,
        )
        self.no_board.setWordWrap(True)
        explain_layout.addWidget(self.no_board)
        self.save = QPushButton(self.tr("&Save explanation"), self.explain_box)
        self.save.setAccessibleName(self.tr("Save explanation"))
        explain_layout.addLayout(button_row(self.save))
        list_layout.addWidget(self.explain_box)
        list_layout.addStretch(1)  # spare height goes below the content, not between rows
        layout.addWidget(self.list_box)
        layout.addStretch(1)

        self.table.selectionModel().currentRowChanged.connect(self._show_selected)
        self.go_fix.clicked.connect(self._go_fix)
        self.save.clicked.connect(self.save_explanation)
        self.text.textChanged.connect(self._text_changed)

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Review the checks and explain the differences")

    def first_field(self) -> QWidget | None:
        return self.table if self.model.rowCount() else None

    def enter(self) -> None:
        locked = self.is_locked()
        if locked:
            self.locked.show_status(
                "warn",
                self.tr(
                    "Finalized and locked: the explanations cannot change now. Ask your"
                    " supervisor to start a correction if something must change."
                ),
            )
        self.locked.setVisible(locked)
        self.text.setReadOnly(locked)
        self.save.setEnabled(not locked)
        self._reload(0)

    def is_locked(self) -> bool:
        return self.ctx.open.locked

    def commit_pending(self) -> bool:
        """Before the page is left: save each draft the whole board ticked; ask about others.

        Saving a draft that not every member has confirmed is safe (it is stored, and the
        finding stays "needs an explanation" until everyone confirms); the default answer
        keeps the worker on the page with the draft in front of them.
        """
        if self.is_locked():
            return True
        members = {m.id for m in self.ctx.open.board()}
        for finding, text in self.unsaved_drafts():
            signers = sorted(self._ticks.get(finding_key(finding), set()) & members)
            everyone = bool(members) and set(signers) == members
            if not everyone:
                self._select(finding)
                if not self._ask_save(finding, text):
                    self.text.setFocus(Qt.FocusReason.OtherFocusReason)
                    return False
            if not self._save(finding, text, signers):
                self._select(finding)
                self.text.setFocus(Qt.FocusReason.OtherFocusReason)
                return False
        return True

    def unsaved_drafts(self) -> list[tuple[Finding, str]]:
        """(finding, draft) for each listed finding whose draft differs from what is saved."""
        pending = []
        for finding in self.model.items():
            draft = self._drafts.get(finding_key(finding))
            if finding.severity is Severity.EXPLAIN and draft is not None:
                if draft.strip() and draft.strip() != self._saved_text(finding):
                    pending.append((finding, draft))
        return pending

    def _ask_save(self, finding: Finding, text: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Save the explanation?"))
        box.setText(self.tr("Save the explanation?"))
        box.setInformativeText(
            self.tr(
                "The explanation for {0} is not saved yet: “{1}”. Not every board member has"
                " confirmed it. Save it now, or keep editing. To leave without it, clear the"
                " text first."
            ).format(self._where(finding), text.strip())
        )
        yes = box.addButton(self.tr("Yes, Save It"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("No, Keep Editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    # --- drawing ---------------------------------------------------------------------------

    def _reload(self, row: int) -> None:
        session = self.ctx.open
        findings = sorted(session.findings(), key=lambda f: _SEVERITY_ORDER[f.severity])
        unexplained = session.unexplained(findings)
        self._unexplained = {(f.rule.value, f.subject) for f in unexplained}
        self.model.set_items(findings)
        self._show_summary(findings, len(unexplained))
        self.list_box.setVisible(bool(findings))
        if findings:
            self.table.setCurrentIndex(self.model.index(min(row, len(findings) - 1), 0))
            self._show_selected(self.table.currentIndex())

    def _show_summary(self, findings: list[Finding], unexplained: int) -> None:
        if not findings:
            self.summary.show_status("ok", self.tr("Every check passes."))
            return
        blocks = sum(f.severity is Severity.BLOCK for f in findings)
        checks = sum(f.severity is Severity.WARN for f in findings)
        parts = []
        if blocks:
            parts.append(self.tr("{0} must be fixed").format(blocks))
        if unexplained:
            parts.append(
                self.tr("1 needs an explanation")
                if unexplained == 1
                else self.tr("{0} need an explanation").format(unexplained)
            )
        if checks:
            parts.append(self.tr("{0} to check").format(checks))
        if blocks or unexplained:
            self.summary.show_status("bad" if blocks else "warn", " · ".join(parts))
        else:
            done = self.tr("Nothing must be fixed and every difference is explained.")
            if checks == 1:
                done += " " + self.tr("Look at the check below.")
            elif checks > 1:
                done += " " + self.tr("Look at the {0} checks below.").format(checks)
            self.summary.show_status("ok", done)

    def selected(self) -> Finding | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        finding: Finding = self.model.data(index, ItemRole)
        return finding

    def _show_selected(self, index: QModelIndex) -> None:
        finding = self.selected()
        if finding is None:
            self.detail.clear()
            self.explain_box.hide()
            return
        self.detail.setText(f"{self._where(finding)}\n{finding_text(finding)}")
        self.go_fix.setAccessibleName(
            self.tr("Go to the page to fix it: {0}").format(self._where(finding))
        )
        self.explain_box.setVisible(finding.severity is Severity.EXPLAIN)
        if finding.severity is Severity.EXPLAIN:
            self._show_explanation(finding)

    def _show_explanation(self, finding: Finding) -> None:
        key = finding_key(finding)
        self._shown_key = key
        saved = [e for e in self.ctx.open.explanations() if explains(e, finding)]
        if saved:
            lines = [
                self.tr("Saved: “{0}” — confirmed by {1}.").format(
                    e.text,
                    ", ".join(s.name for s in e.signers) if e.signers else self.tr("nobody yet"),
                )
                for e in saved
            ]
            if (finding.rule.value, finding.subject) in self._unexplained:
                lines.append(
                    self.tr(
                        "Not every board member has confirmed it yet: save it again with "
                        "every member confirming."
                    )
                )
            else:
                lines.append(self.tr("✓ Explained and confirmed by every board member."))
            self.saved_text.setText("\n".join(lines))
            self.saved_text.show()
        else:
            self.saved_text.hide()
        self._loading = True
        try:
            self.text.setPlainText(self._drafts.get(key, saved[-1].text if saved else ""))
        finally:
            self._loading = False
        locked = self.is_locked()
        ticked = self._ticks.get(key, set())
        for box, _ in self._boxes:
            box.hide()  # out of the Tab chain now; deleted once the event loop runs
            self.signers_layout.removeWidget(box)
            box.deleteLater()
        self._boxes = []
        roles: dict[str, str] = {r.id: r.title for r in self.definition.board_roles}
        previous: QWidget = self.text
        for member in self.ctx.open.board():
            box = QCheckBox(
                self.tr("Confirmed by {0} ({1})").format(
                    member.name, roles.get(member.role, member.role)
                ),
                self.explain_box,
            )
            box.setAccessibleName(box.text())
            box.setChecked(member.id in ticked)
            box.setEnabled(not locked)
            box.toggled.connect(lambda on, k=key, m=member.id: self._tick(k, m, on))
            self.signers_layout.addWidget(box)
            box.show()  # now, not on the next event loop pass: it joins the Tab chain at once
            self.setTabOrder(previous, box)
            previous = box
            self._boxes.append((box, member.id))
        self.setTabOrder(previous, self.save)
        has_board = bool(self._boxes)
        self.no_board.setVisible(not has_board)
        self.signers_label.setVisible(has_board)

    def _saved_text(self, finding: Finding) -> str:
        saved = [e for e in self.ctx.open.explanations() if explains(e, finding)]
        return saved[-1].text if saved else ""

    def _text_changed(self) -> None:
        """Keep what is typed as the shown finding's draft (dropped when it equals the saved)."""
        key = self._shown_key
        if self._loading or key is None:
            return
        self._drafts[key] = self.text.toPlainText()

    def _tick(self, key: tuple[str, str], member_id: int, on: bool) -> None:
        ticked = self._ticks.setdefault(key, set())
        if on:
            ticked.add(member_id)
        else:
            ticked.discard(member_id)

    def _select(self, finding: Finding) -> None:
        for row, item in enumerate(self.model.items()):
            if item == finding:
                self.table.setCurrentIndex(self.model.index(row, 0))
                return

    def _what_to_do(self, finding: Finding) -> str:
        word = severity_word(finding.severity)
        if (
            finding.severity is Severity.EXPLAIN
            and (finding.rule.value, finding.subject) not in self._unexplained
        ):
            return self.tr("{0} — explained").format(word)
        return word

    def _where(self, finding: Finding) -> str:
        return where_text(self.definition, finding)

    # --- actions --------------------------------------------------------------------------

    def _go_fix(self) -> None:
        finding = self.selected()
        if finding is not None:
            self.ctx.navigate.emit(fix_page(finding))

    def save_explanation(self) -> None:
        finding = self.selected()
        if finding is None or finding.severity is not Severity.EXPLAIN or self.is_locked():
            return
        text = self.text.toPlainText()
        signers = [member_id for box, member_id in self._boxes if box.isChecked()]
        if self._save(finding, text, signers):
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save(self, finding: Finding, text: str, signers: list[int]) -> bool:
        """Save an explanation; its draft and ticks are dropped once the store holds it."""
        row = self.table.currentIndex().row()
        if not self.ctx.commit(
            lambda: self.ctx.open.add_explanation(finding, text, signers, self.ctx.actor())
        ):
            return False
        self._drafts.pop(finding_key(finding), None)
        self._ticks.pop(finding_key(finding), None)
        self._reload(row)
        return True
