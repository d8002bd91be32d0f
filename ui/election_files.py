"""Election files chosen by the user, shared by the Start page and the Supervisor window.

Both offer the embedded elections in a combo box and let the user open an election file;
loading, reporting an invalid file and adding it to the box is the same in both places.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QWidget

from tally_app import service
from tally_app.definition.model import ElectionDefinition
from ui.context import AppContext
from ui.messages import UserMessage


def known_elections(current: ElectionDefinition | None) -> list[ElectionDefinition]:
    """The embedded elections, with the one in use first if it is not one of them."""
    elections = list(service.embedded_definitions())
    if current is not None and current.fingerprint not in {d.fingerprint for d in elections}:
        elections.insert(0, current)
    return elections


def election_combo(
    parent: QWidget, elections: list[ElectionDefinition], accessible_name: str
) -> QComboBox:
    """A combo box of ``elections`` (title — date, the fingerprint as item data).

    Long titles must not widen the page past the window at 200 % text.
    """
    combo = QComboBox(parent)
    combo.setAccessibleName(accessible_name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    for d in elections:
        combo.addItem(_item_text(d), d.fingerprint)
    return combo


def _item_text(definition: ElectionDefinition) -> str:
    return f"{definition.title} — {definition.date}"


def add_election_file(
    ctx: AppContext, path: Path, elections: list[ElectionDefinition], combo: QComboBox
) -> bool:
    """Load an election file and select it in `combo` (adding it to `elections` if new).

    Its problems are reported through `ctx` if it is not valid; False then.
    """
    result = ctx.attempt(lambda: service.load_definition_result(path))
    if result is None:
        return False
    if result.definition is None:
        ctx.report(definition_problems(path, result.problems))
        return False
    definition = result.definition
    if definition.fingerprint not in {d.fingerprint for d in elections}:
        elections.insert(0, definition)
        combo.insertItem(0, _item_text(definition), definition.fingerprint)
    combo.setCurrentIndex(combo.findData(definition.fingerprint))
    return True


def definition_problems(path: Path, problems: tuple[object, ...]) -> UserMessage:
    """An invalid election file, its problems in plain sentences."""
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("StartPage", text)

    listed = [getattr(p, "message", str(p)) for p in problems[:8]]
    more = len(problems) - len(listed)
    text = " ".join(listed) + (tr(" ({0} more problems.)").format(more) if more > 0 else "")
    return UserMessage(
        tr("The election file cannot be used"),
        tr("{0} is not a usable election file: {1}").format(path.name, text),
        tr("This is about the file that was chosen, not about your work."),
        tr("Choose the election file the county sent, or use the built-in election."),
    )
