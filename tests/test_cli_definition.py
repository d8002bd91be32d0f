"""`tally-app definition check`, `--version` and the command line's error handling.

Most cases call `main([...])` in-process (fast); a few run the real console script.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tally_app import __version__, cli, service
from tally_app.cli import main
from tally_app.definition.embedded import embedded_definition_paths

REPO = Path(__file__).resolve().parent.parent
GENERAL = REPO / "resources" / "elections" / "ca34-2017-06-06-general.json"
PRIMARY = REPO / "resources" / "elections" / "ca34-2017-04-04-primary.json"


def _definition() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(GENERAL.read_bytes())
    return doc


def _script() -> list[str]:
    script = Path(sys.executable).parent / "tally-app"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tally_app"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _vote_for_zero(doc: dict[str, Any]) -> None:
    doc["contests"][0]["vote_for"] = 0


def _wrong_types(doc: dict[str, Any]) -> None:
    doc["title"] = 34
    doc["precincts"][0]["ballot_style_ids"] = "cd34"


def _duplicate_ids(doc: dict[str, Any]) -> None:
    doc["precincts"][7]["id"] = doc["precincts"][6]["id"]


def _dangling(doc: dict[str, Any]) -> None:
    doc["precincts"][3]["ballot_style_ids"] = ["cd99"]
    doc["contests"][0]["candidates"][0]["party_id"] = "WHIG"


def _bytes_of(change: Any) -> bytes:
    doc = _definition()
    change(doc)
    return json.dumps(doc).encode()


BAD: dict[str, tuple[bytes, str, str]] = {
    "not_json": (b"<html>not json</html>", "$", "not_json"),
    "empty": (b"", "$", "empty"),
    "truncated": (GENERAL.read_bytes()[:1000], "$", "truncated"),
    "binary": (bytes(range(128, 256)) * 64, "$", "not_utf8"),
    "deep": (b"[" * 100_000, "$", "too_deep"),
    "nan": (
        GENERAL.read_bytes().replace(b'"vote_for": 1', b'"vote_for": NaN'),
        "$.contests[0].vote_for",
        "not_a_number",
    ),
    "infinity": (
        GENERAL.read_bytes().replace(
            b'"blank_ballot_warn_fraction": 0.05', b'"blank_ballot_warn_fraction": Infinity'
        ),
        "$.policy.blank_ballot_warn_fraction",
        "not_a_number",
    ),
    "wrong_types": (_bytes_of(_wrong_types), "$.precincts[0].ballot_style_ids", "wrong_type"),
    "duplicate_ids": (_bytes_of(_duplicate_ids), "$.precincts[7].id", "duplicate_id"),
    "dangling": (_bytes_of(_dangling), "$.precincts[3].ballot_style_ids[0]", "unknown_reference"),
    "vote_for_zero": (_bytes_of(_vote_for_zero), "$.contests[0].vote_for", "vote_for_too_small"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_exit_1_with_code_path_and_sentence(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, path, code = BAD[case]
    target = tmp_path / f"{case}.json"
    target.write_bytes(data)

    status, out, err = run(capsys, "definition", "check", "--json", str(target))
    assert status == 1
    assert err == ""
    report = json.loads(out)  # stdout holds only the JSON
    (entry,) = report["files"]
    assert entry["path"] == str(target)
    assert entry["valid"] is False and entry["fingerprint"] is None and entry["election_id"] is None
    assert {"path": path, "code": code} in [
        {"path": p["path"], "code": p["code"]} for p in entry["problems"]
    ]

    status, out, err = run(capsys, "definition", "check", str(target))
    assert status == 1
    assert "Traceback" not in out + err
    lines = out.splitlines()
    assert lines[0].startswith(f"{target}: invalid — ")
    line = next(x for x in lines if f"{target}: {path}: " in x and f"[{code}]" in x)
    sentence = line.split(f"{path}: ", 1)[1].rsplit(" [", 1)[0]
    assert sentence[0].isupper() and sentence.endswith(".") and ";" in sentence


def _all_three(doc: dict[str, Any]) -> None:
    _wrong_types(doc)
    _dangling(doc)
    _vote_for_zero(doc)


def test_wrong_types_and_dangling_report_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "d.json"
    target.write_bytes(_bytes_of(_all_three))
    status, out, _ = run(capsys, "definition", "check", "--json", str(target))
    assert status == 1
    got = {(p["path"], p["code"]) for p in json.loads(out)["files"][0]["problems"]}
    assert got == {
        ("$.title", "wrong_type"),
        ("$.precincts[0].ballot_style_ids", "wrong_type"),
        ("$.precincts[3].ballot_style_ids[0]", "unknown_reference"),
        ("$.contests[0].candidates[0].party_id", "unknown_reference"),
        ("$.contests[0].vote_for", "vote_for_too_small"),
    }


def test_over_10_mb_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "big.json"
    with target.open("wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)
    status, out, _ = run(capsys, "definition", "check", "--json", str(target))
    assert status == 1
    assert json.loads(out)["files"][0]["problems"][0]["code"] == "too_large"


def test_valid_files_in_command_line_order(
    shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nist = shared_dir / "standards" / "err-cdf" / "examples" / "pe-err-gen-03.json"
    status, out, err = run(capsys, "definition", "check", str(PRIMARY), str(nist), str(GENERAL))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{PRIMARY}: valid — ca34-2017-04-04 ")
    assert "195 precincts, 1 contest, fingerprint " in lines[0]
    assert lines[1].startswith(f"{nist}: valid — gen-03-general-election-2004-11-02 ")
    assert "2 precincts, 8 contests" in lines[1]
    assert lines[2].endswith(service.default_definition().fingerprint)

    status, out, _ = run(capsys, "definition", "check", "--json", str(GENERAL), str(nist))
    assert status == 0
    files = json.loads(out)["files"]
    assert [f["path"] for f in files] == [str(GENERAL), str(nist)]
    assert files[0] == {
        "path": str(GENERAL),
        "valid": True,
        "fingerprint": service.default_definition().fingerprint,
        "election_id": "ca34-2017-06-06",
        "problems": [],
    }


def test_one_bad_file_among_good_ones_gives_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "definition", "check", "--json", str(GENERAL), str(tmp_path / "missing.json")
    )
    assert status == 1
    files = json.loads(out)["files"]
    assert [f["valid"] for f in files] == [True, False]
    assert files[1]["problems"][0]["code"] == "file_not_found"


def test_folder_given_as_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "definition", "check", str(tmp_path))
    assert status == 1
    assert "[not_a_file]" in out and "not a file" in out


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"tally-app {__version__}\n", "")
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "definition" in out
    status, out, _ = run(capsys, "definition", "check", "--help")
    assert status == 0 and "--json" in out and "order" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["definition", "check"],
        ["definition"],
        ["bogus"],
        ["definition", "check", "--nope", "x.json"],
    ],
)
def test_usage_errors_exit_2_with_one_sentence(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "error:" in err and "--help" in err


def test_no_arguments_runs_the_poll_worker_window(capsys: pytest.CaptureFixture[str]) -> None:
    """No command means the window on the default election: the console script plugs it in."""
    seen: list[object] = []

    def window(args: object) -> int:
        seen.append(args)
        return 0

    assert cli.main([], windows={"gui": window}) == 0
    (args,) = seen
    assert args.election is None and args.data_dir is None
    assert cli.main(["gui", "--data-dir", "/tmp/x"], windows={"gui": window}) == 0
    assert str(seen[-1].data_dir) == "/tmp/x"


def test_without_the_windows_the_core_says_where_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "tally-app" in err


def test_internal_error_is_one_sentence_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(path: object) -> None:  # a fault injected to exercise the crash handler
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service, "load_definition_result", broken)
    monkeypatch.delenv("TALLY_DEBUG", raising=False)
    status, _, err = run(capsys, "definition", "check", str(GENERAL))
    assert status == 70
    assert err.startswith("tally-app: internal error: RuntimeError: disk on fire; please report it")
    assert "Traceback" not in err

    monkeypatch.setenv("TALLY_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["definition", "check", str(GENERAL)])


# --- the real entry points -----------------------------------------------------------------


def _run_script(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_script(), *argv], capture_output=True, text=True, timeout=60, check=False
    )


def test_console_script_checks_the_embedded_and_nist_files(shared_dir: Path) -> None:
    nist = shared_dir / "standards" / "err-cdf" / "examples" / "pe-err-gen-03.json"
    files = [str(p) for p in (GENERAL, PRIMARY, nist)]
    done = _run_script("definition", "check", "--json", *files)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [f["election_id"] for f in report["files"]] == [
        "ca34-2017-06-06",
        "ca34-2017-04-04",
        "gen-03-general-election-2004-11-02",
    ]
    assert all(f["valid"] and len(f["fingerprint"]) == 64 for f in report["files"])
    assert set(embedded_definition_paths()) == {"ca34-2017-06-06", "ca34-2017-04-04"}


def test_console_script_on_hostile_files(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000)
    nan = tmp_path / "nan.json"
    nan.write_bytes(BAD["nan"][0])
    done = _run_script("definition", "check", str(deep), str(nan))
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{deep}: $: The file nests arrays or objects 100000 levels deep" in done.stdout
    assert f"{nan}: $.contests[0].vote_for: NaN is not a number" in done.stdout


def test_python_dash_m_version_and_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tally_app", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"tally-app {__version__}\n")
    done = subprocess.run(
        [sys.executable, "-m", "tally_app", "definition", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
