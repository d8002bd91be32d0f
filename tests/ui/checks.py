"""What the usability tests check with, shared by every page's tests (shared/usability.md)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTranslator
from PySide6.QtGui import QAccessible, QImage
from PySide6.QtWidgets import QScrollBar, QWidget

IGNORED_NAMES = {
    "qt_scrollarea_viewport",
    "qt_scrollarea_hcontainer",
    "qt_scrollarea_vcontainer",
    "qt_spinbox_lineedit",
    "qt_toolbar_ext_button",
}


def walk(root: QWidget) -> list[QWidget]:
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.objectName() in IGNORED_NAMES:
            continue
        if isinstance(w, QScrollBar) or type(w).__name__ in (
            "QComboBoxPrivateContainer",
            "QComboBoxListView",
            "QHeaderView",
        ):
            continue
        out.append(w)
    return out


def interactive(w: QWidget) -> bool:
    return bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus) and w.isEnabled()


def name_of(w: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(w)
    return iface.text(QAccessible.Text.Name).strip() if iface else ""


def changed_pixels(a: QImage, b: QImage) -> int:
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    assert a.size() == b.size()
    return sum(
        1 for y in range(a.height()) for x in range(a.width()) if a.pixel(x, y) != b.pixel(x, y)
    )


class Pseudo(QTranslator):
    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"⟦{source}⟧"

    def isEmpty(self) -> bool:
        return False
