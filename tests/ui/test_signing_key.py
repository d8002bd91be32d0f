"""The signing-key fields the print and export pages share (ui/signing_key.py).

On its own: which fields show for each kind of laptop key, the checks before the key is
tried (fields cleared every time), and a real key made and then opened with the passphrase.
In the real window: Alt+H reaches the passphrase on both pages, and no two controls of a
page (with the window's buttons and menus) share a mnemonic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QVBoxLayout, QWidget

from tally_app import service
from tally_app.errors import TallyError
from tests.bundle_fixtures import finalized_precinct
from tests.ui.test_print_page import open_window
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.signing_key import KEY_CODES, MIN_NEW_PASSPHRASE, KeyRefusal, SigningKeyFields

PASSPHRASE = "polls closed at 8"


def panel_for(qtbot: object, data_dir: Path) -> tuple[QWidget, SigningKeyFields]:
    """The fields on a bare widget standing in for the page (kept alive by the caller)."""
    ctx = AppContext(data_dir, service.default_definition())
    host = QWidget()
    qtbot.addWidget(host)  # type: ignore[attr-defined]
    panel = SigningKeyFields(ctx, "Sign", lambda identity: f"unlocked {identity.device_id}", host)
    panel.add_to(QVBoxLayout(host))
    host.show()
    panel.refresh()
    return host, panel


def type_in(panel: SigningKeyFields, typed: str, again: str = "") -> bytes | KeyRefusal:
    panel.passphrase.setText(typed)
    panel.again.setText(again)
    secret = panel.take_secret()
    assert panel.passphrase.text() == "" and panel.again.text() == ""  # never kept
    return secret


def test_a_laptop_without_a_key_chooses_one_twice_then_it_is_unlocked(
    qtbot: object, tmp_path: Path
) -> None:
    _host, panel = panel_for(qtbot, tmp_path)
    assert panel.status == "none" and panel.creating()
    assert panel.note.text().startswith("This laptop has no county key.")
    assert panel.passphrase_label.text() == "Choose a passp&hrase:"
    assert panel.passphrase.accessibleName() == "New passphrase for the signing key"
    assert panel.again.isVisible() and panel.again_label.isVisible()

    empty = type_in(panel, "")
    assert isinstance(empty, KeyRefusal) and empty.problem.startswith("The passphrase is empty.")
    short = "x" * (MIN_NEW_PASSPHRASE - 1)
    assert type_in(panel, short, short) == KeyRefusal(
        "The new passphrase is too short.",
        f"Choose a passphrase of at least {MIN_NEW_PASSPHRASE} characters.",
    )
    differ = type_in(panel, PASSPHRASE, PASSPHRASE + "!")
    assert (
        isinstance(differ, KeyRefusal) and differ.problem == "The 2 passphrases are not the same."
    )
    assert service.device_identity_status(tmp_path) == "none"  # nothing made yet

    secret = type_in(panel, PASSPHRASE, PASSPHRASE)
    assert secret == PASSPHRASE.encode()
    assert isinstance(secret, bytes)
    identity = panel.unlock(secret)
    assert panel.ctx.identity is identity and not identity.county_issued
    assert service.device_identity_status(tmp_path) == "self-signed"
    panel.refresh()
    assert panel.note.text() == f"unlocked {identity.device_id}"  # the page's own words
    assert panel.passphrase.isHidden() and panel.again.isHidden()
    assert panel.take_secret() == b"" and panel.unlock(b"") is identity  # not asked again


def test_a_laptop_with_its_own_key_asks_once_and_refuses_a_wrong_one(
    qtbot: object, tmp_path: Path
) -> None:
    made = service.device_identity(tmp_path, PASSPHRASE.encode(), create=True)
    _host, panel = panel_for(qtbot, tmp_path)
    assert panel.status == "self-signed" and not panel.creating()
    assert 'signs says "not county-issued"' in panel.note.text()
    assert panel.passphrase_label.text() == "Passp&hrase:"
    assert panel.passphrase.accessibleName() == "Passphrase of the signing key"
    assert panel.passphrase.isVisible() and panel.again.isHidden()
    short = type_in(panel, "short")  # only a new passphrase has a minimum
    assert short == b"short"
    with pytest.raises(TallyError) as refused:
        panel.unlock(b"short")
    assert refused.value.code in KEY_CODES and panel.ctx.identity is None
    assert panel.unlock(PASSPHRASE.encode()).device_id == made.device_id


def mnemonics(window: MainWindow) -> list[str]:
    """The Alt letters of what is on screen: the page's labels and buttons, the window's
    buttons and menu titles (a menu's own items are reached through the menu)."""
    texts = [a.text() for a in window.menuBar().actions()]
    widgets: list[QWidget] = [*window.findChildren(QLabel), *window.findChildren(QAbstractButton)]
    texts += [w.text() for w in widgets if w.isVisible()]  # type: ignore[attr-defined]
    return [m.lower() for t in texts for m in re.findall(r"&(\w)", t.replace("&&", ""))]


@pytest.mark.parametrize("key", ["print", "export"])
def test_alt_h_reaches_the_passphrase_and_no_mnemonic_is_shared(
    qtbot: object, tmp_path: Path, key: str
) -> None:
    data_dir = tmp_path / "data"
    session, _members = finalized_precinct(data_dir)
    session.close()
    window = open_window(qtbot, data_dir)  # the laptop has no key: both fields show
    window.go_to_key(key)
    page = window.current()
    assert page.key == key
    panel = page.findChild(SigningKeyFields)
    assert isinstance(panel, SigningKeyFields) and panel.again.isVisible()
    letters = mnemonics(window)
    assert "h" in letters
    assert sorted(set(letters)) == sorted(letters), letters
    window.previous.setFocus(Qt.FocusReason.OtherFocusReason)
    QTest.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    QApplication.processEvents()
    assert QApplication.focusWidget() is panel.passphrase
    window.close()
