"""`tally-app sheet` with a bad --out: one sentence, exit 2, nothing written, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tally_app.cli import main
from tests.bundle_fixtures import finalized_precinct


@pytest.mark.parametrize("action", ["blank", "print"])
def test_a_file_name_too_long_is_one_sentence_not_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    """DEFECT: commands/sheet.py _write checks ``out.is_symlink()`` / ``out.exists()``
    outside its try: an OSError there (ENAMETOOLONG here; EACCES on a folder the user may
    not search) escapes to cli.main as "internal error: OSError …; please report it", exit
    70."""
    out = tmp_path / ("a" * 300 + ".pdf")
    args = ["sheet", "blank", "--out", str(out)]
    if action == "print":
        session, _ = finalized_precinct(tmp_path / "data")
        session.close()
        args = ["sheet", "print", "--db", str(session.path), "--out", str(out)]
    code = main(args)
    err = capsys.readouterr().err
    assert "internal error" not in err, err
    assert code in (1, 2) and err.count("\n") == 1


def test_an_out_that_is_a_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DEFECT (minor): `sheet blank/print --out FOLDER` exits 1, while DESIGN §12 says 2 for
    usage errors and `test-deck run --out` (not an empty folder) does exit 2."""
    folder = tmp_path / "folder"
    folder.mkdir()
    assert main(["sheet", "blank", "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a plain file" in err


def test_out_errors_are_one_sentence_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pinned: a symlink, a device, a path under a plain file are refused in one sentence."""
    target = tmp_path / "target.pdf"
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    plain = tmp_path / "plain"
    plain.write_text("x")
    for out in (link, Path("/dev/null"), plain / "y.pdf"):
        code = main(["sheet", "blank", "--out", str(out)])
        err = capsys.readouterr().err
        assert code != 0 and err.count("\n") == 1 and "internal error" not in err, err
    assert not target.exists()
