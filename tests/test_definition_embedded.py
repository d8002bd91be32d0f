"""The shipped CA-34 definitions: reproducible from the shared data, valid, and as documented."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tally_app import service
from tally_app.definition.embedded import (
    DEFAULT_ELECTION_ID,
    default_definition,
    embedded_definition,
    embedded_definition_paths,
)
from tally_app.definition.loader import load_definition_bytes
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.errors import SystemError_

REPO = Path(__file__).resolve().parent.parent
ELECTIONS = REPO / "resources" / "elections"

PRIMARY_ORDER = [
    "Robert Lee Ahn", "Vanessa L. Aramayo", "Maria Cabildo", "Alejandra Campoverdi",
    "Arturo Carmona", "Wendy Carrillo", 'Ricardo "Ricky" De La Fuente', "Adrienne Nicole Edwards",
    "Yolie Flores", 'Melissa "Sharkie" Garza', "Jimmy Gomez", "Sara Hernandez", "Steven Mac",
    "Angela E. McArdle", "Kenneth Mejia", "Sandra Mendoza", "Raymond Meza",
    'William "Rodriguez" Morrison', "Mark Edward Padilla", "Armando Sotomayor",
    "Richard Joseph Sullivan", "Tracy Van Houten", "Tenaya Wallace",
]  # fmt: skip


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_ca34", ELECTIONS / "build_ca34.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _full_load(election_id: str) -> ElectionDefinition:
    """The shipped file through the complete loader (with the JSON Schema pass)."""
    data = embedded_definition_paths()[election_id].read_bytes()
    result = load_definition_bytes(data)
    assert result.problems == ()
    assert result.definition is not None
    return result.definition


def _contest(d: ElectionDefinition) -> CandidateContest:
    (contest,) = d.contests
    assert isinstance(contest, CandidateContest)
    return contest


def _csv_precincts(shared: Path, election: str) -> list[str]:
    with (shared / "ca34_2017" / "precinct_totals.csv").open(newline="", encoding="utf-8") as f:
        return [r["precinct_id"] for r in csv.DictReader(f) if r["election"] == election]


def test_regenerating_gives_byte_identical_files(shared_dir: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(ELECTIONS / "build_ca34.py"),
            str(shared_dir / "ca34_2017"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for name in ("ca34-2017-06-06-general.json", "ca34-2017-04-04-primary.json"):
        assert (tmp_path / name).read_bytes() == (ELECTIONS / name).read_bytes(), name
        assert (tmp_path / name).read_bytes().endswith(b"}\n")


def test_each_shipped_file_holds_the_election_it_is_listed_under() -> None:
    paths = embedded_definition_paths()
    assert list(paths) == ["ca34-2017-06-06", "ca34-2017-04-04"]
    for election_id in paths:
        assert _full_load(election_id).id == election_id


def test_trusted_fast_load_equals_the_full_load() -> None:
    for election_id in embedded_definition_paths():
        assert embedded_definition(election_id) == _full_load(election_id)


def test_default_is_the_june_runoff_and_is_cached() -> None:
    d = default_definition()
    assert d is default_definition() is service.default_definition()
    assert d.id == DEFAULT_ELECTION_ID == "ca34-2017-06-06"
    assert d.date == "2017-06-06" and d.type == "special"
    assert (d.jurisdiction.county, d.jurisdiction.state, d.jurisdiction.state_code) == (
        "Los Angeles County", "California", "CA",
    )  # fmt: skip
    assert [(x.id, x.name, x.type) for x in d.districts] == [
        ("cd34", "Congressional District 34", "congressional")
    ]
    contest = _contest(d)
    assert contest.title == "United States Representative, 34th District"
    assert contest.vote_for == 1 and contest.unqualified_write_ins is True
    assert [(c.name, c.party_id, c.write_in) for c in contest.candidates] == [
        ("Robert Lee Ahn", "DEM", False),
        ("Jimmy Gomez", "DEM", False),
    ]
    assert len(d.precincts) == 195
    assert all(
        p.name == "" and p.label == p.id and p.ballot_style_ids == ("cd34",) for p in d.precincts
    )
    assert "alphabetically by last name" in d.notes and "OpenElections" in d.notes
    assert [r.title for r in d.board_roles] == [
        "Inspector",
        "Judge",
        "Clerk",
        "Tally keeper A",
        "Tally keeper B",
    ]


def test_precinct_ids_are_the_csv_ones(shared_dir: Path) -> None:
    assert [p.id for p in default_definition().precincts] == _csv_precincts(shared_dir, "runoff")
    primary = embedded_definition("ca34-2017-04-04")
    assert [p.id for p in primary.precincts] == _csv_precincts(shared_dir, "primary")
    assert "0850001A" in {p.id for p in primary.precincts}


def test_primary_has_23_candidates_alphabetically_then_the_write_in() -> None:
    d = embedded_definition("ca34-2017-04-04")
    assert len(d.precincts) == 195
    contest = _contest(d)
    assert [c.name for c in contest.on_ballot] == PRIMARY_ORDER
    assert [(c.name, c.party_id) for c in contest.qualified_write_ins] == [
        ('Michelle "Hope" Walker', "DEM")
    ]
    assert contest.candidates[-1].write_in is True
    parties = {c.name: c.party_id for c in contest.candidates}
    assert parties['William "Rodriguez" Morrison'] == "REP"
    assert (
        parties["Kenneth Mejia"],
        parties["Angela E. McArdle"],
        parties["Mark Edward Padilla"],
    ) == ("GRN", "LIB", "NPP")
    assert sum(1 for p in parties.values() if p == "DEM") == 20  # 19 on the ballot + Walker
    assert d.party("NPP").name == "No Party Preference"
    assert len({c.id for c in contest.candidates}) == 24


@pytest.mark.parametrize(
    ("name", "surname"),
    [
        ('William "Rodriguez" Morrison', "Morrison"),
        ('Ricardo "Ricky" De La Fuente', "De La Fuente"),
        ("Tracy Van Houten", "Van Houten"),
        ("Angela E. McArdle", "McArdle"),
        ("Martin Luther King Jr.", "King"),
        ("Van Morrison", "Morrison"),  # a first name is never a particle
    ],
)
def test_last_name_rule(builder: ModuleType, name: str, surname: str) -> None:
    assert builder.surname(name) == surname


def test_unknown_embedded_election_is_a_system_error() -> None:
    with pytest.raises(SystemError_) as caught:
        embedded_definition("ca99-1999-01-01")
    assert caught.value.code == "embedded_definition_unknown"


def test_default_loads_without_jsonschema() -> None:
    """DESIGN §14: the first window imports no jsonschema."""
    code = (
        "import sys\n"
        "from tally_app.service import default_definition\n"
        "d = default_definition()\n"
        "assert len(d.precincts) == 195\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'jsonschema'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
