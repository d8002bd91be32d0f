"""`tally-app keys` and `test-deck run` with inputs a user can get wrong.

Bad input must be one sentence with exit 1 (InputError) or 2 (usage), never the
"internal error" exit 70.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tally_app.cli import main
from tests.bundle_fixtures import PASSPHRASE, make_pki

INTERNAL = 70


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "pw"
    path.write_bytes(PASSPHRASE + b"\n")
    return path


def test_a_long_county_name_is_one_sentence(
    tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "Consolidated Municipality and County of Some Very Long Place Name"  # 65 chars
    code = main(["keys", "create-ca", "--out", str(tmp_path / "ca"), "--name", name,
                 "--passphrase-file", str(secret)])  # fmt: skip
    err = capsys.readouterr().err
    assert code != INTERNAL and "internal error" not in err, err


def test_a_long_device_id_is_one_sentence(
    tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_pki(tmp_path)
    code = main(["keys", "issue-device", "--ca", str(tmp_path / "ca"), "--device-id", "d" * 65,
                 "--out", str(tmp_path / "d.p12"), "--passphrase-file", str(secret)])  # fmt: skip
    err = capsys.readouterr().err
    assert code != INTERNAL and "internal error" not in err, err


def test_a_device_id_with_a_line_break_is_refused(
    tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The device id becomes the CN that verify prints in every report line."""
    make_pki(tmp_path)
    code = main(["keys", "issue-device", "--ca", str(tmp_path / "ca"), "--device-id",
                 "laptop-1\nVALID", "--out", str(tmp_path / "d.p12"),
                 "--passphrase-file", str(secret)])  # fmt: skip
    capsys.readouterr()
    assert code == 1 and not (tmp_path / "d.p12").exists()


def test_a_very_long_passphrase_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pw"
    secret.write_bytes(b"x" * 2000 + b"\n")
    code = main(["keys", "create-ca", "--out", str(tmp_path / "ca"), "--name", "County",
                 "--passphrase-file", str(secret)])  # fmt: skip
    err = capsys.readouterr().err
    assert code != INTERNAL and "internal error" not in err, err
    assert "x" * 20 not in err  # pinned: the passphrase is never echoed


def test_an_unusable_test_deck_out_folder_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["test-deck", "run", "--out", str(blocker / "run")])
    err = capsys.readouterr().err
    assert code == 2 and "internal error" not in err, err


def test_a_private_key_file_is_never_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_private writes with the umask's mode, renames, and only then chmods to 0600:
    in between the encrypted key is world-readable under its final name."""
    import os

    from tally_app.trust import identity

    seen: list[int] = []
    real_chmod = os.chmod

    def spy(path: object, mode: int, *args: object, **kwargs: object) -> None:
        seen.append(os.stat(path).st_mode & 0o777)  # type: ignore[arg-type]
        real_chmod(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    old = os.umask(0o022)
    try:
        monkeypatch.setattr(identity.os, "chmod", spy)
        identity.write_private(tmp_path / "identity" / "key.p12", b"secret")
    finally:
        os.umask(old)
    assert seen and all(mode & 0o077 == 0 for mode in seen), [oct(m) for m in seen]


def test_a_test_deck_out_folder_inside_the_data_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 4 item 8: the deck's stores are kept under --out, never in the laptop's data
    folder; an --out inside the data folder puts them there."""
    from tally_app import service

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data_dir = service.default_data_dir()
    assert tmp_path in data_dir.parents  # the laptop's data folder is the one under tmp_path
    code = main(["test-deck", "run", "--out", str(data_dir / "deck-run")])
    capsys.readouterr()
    assert code == 2 and not list(data_dir.rglob("*.sqlite"))
