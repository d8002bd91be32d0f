"""Qt models over immutable core snapshots (STYLE.md convention 7).

Each model holds a tuple of frozen values and is replaced wholesale (``set_items``) when the
core hands out a new snapshot; nothing edits rows in place, and edits go through the
facade. Every model is checked with ``qtmodeltester`` in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole + 1  # the frozen value behind a row


class SnapshotListModel(QAbstractListModel, Generic[T]):
    """A read-only list of frozen values, shown by ``label``."""

    def __init__(self, label: Callable[[T], str], items: Sequence[T] = ()) -> None:
        super().__init__()
        self._label = label
        self._items: tuple[T, ...] = tuple(items)

    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = tuple(items)
        self.endResetModel()

    def items(self) -> tuple[T, ...]:
        return self._items

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._label(item)
        if role == ItemRole:
            return item
        return None


class SnapshotTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table of frozen values: one row per value, columns given as functions."""

    def __init__(
        self,
        headers: Sequence[str],
        cells: Sequence[Callable[[T], str]],
        items: Sequence[T] = (),
    ) -> None:
        super().__init__()
        assert len(headers) == len(cells)
        self._headers = tuple(headers)
        self._cells = tuple(cells)
        self._items: tuple[T, ...] = tuple(items)

    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = tuple(items)
        self.endResetModel()

    def items(self) -> tuple[T, ...]:
        return self._items

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        if not 0 <= index.column() < len(self._cells):
            return None
        item = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._cells[index.column()](item)
        if role == ItemRole:
            return item
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._items):
            return str(section + 1)
        return None
