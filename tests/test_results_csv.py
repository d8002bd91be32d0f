"""``results.csv`` made from the NIST results document (issue 4, item 2).

The CA-34 precinct is entered and finalized through the real service and store; the CSV is
read back with ``csv.reader`` and checked against the document and the arithmetic identity.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tally_app.export.results_csv import HEADER, results_csv_bytes, safe_cell
from tally_app.export.results_document import results_document
from tally_app.session import PrecinctSession
from tests.balanced_precinct import INSPECTOR, T, add_two_members, enter_balanced, start

GENERATED = datetime(2017, 6, 6, 21, 14, 5, tzinfo=UTC)
T_ = "ElectionResults."


@pytest.fixture
def finalized(tmp_path: Path) -> Iterator[PrecinctSession]:
    """CA-34 runoff: Ahn 100, Gomez 140, write-ins 2, under 4, over 1 = 247 ballots."""
    s = start(tmp_path)
    enter_balanced(s)
    s.finalize(add_two_members(s), INSPECTOR)
    assert s.state == "finalized"
    yield s
    s.close()


def document(session: PrecinctSession) -> dict[str, Any]:
    return results_document(
        session.definition,
        session.precinct.id,
        session.entries(),
        generated=GENERATED,
        device_id="laptop-0042",
        county_issued=True,
        app_version="1.2.3",
    )


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def candidate(doc: dict[str, Any], selection_id: str) -> dict[str, Any]:
    return next(
        c for c in doc["Election"][0]["Candidate"] if c["@id"] == "candidate-" + selection_id
    )


def test_ca34_rows_counts_and_identity(finalized: PrecinctSession) -> None:
    doc = document(finalized)
    election_id = finalized.definition.id
    data = results_csv_bytes(doc, election_id=election_id)
    table = rows(data)
    assert table[0] == list(HEADER)
    body = table[1:]
    contests = doc["Election"][0]["Contest"]
    assert len(body) == sum(len(c["ContestSelection"]) + 2 for c in contests)
    pid = finalized.precinct.id
    assert body == [
        [
            election_id,
            pid,
            "us-rep-cd34",
            contests[0]["Name"],
            "robert-lee-ahn",
            "Robert Lee Ahn",
            "candidate",
            "100",
        ],
        [
            election_id,
            pid,
            "us-rep-cd34",
            contests[0]["Name"],
            "jimmy-gomez",
            "Jimmy Gomez",
            "candidate",
            "140",
        ],
        [
            election_id,
            pid,
            "us-rep-cd34",
            contests[0]["Name"],
            "us-rep-cd34-write-ins",
            "Write-ins",
            "write-ins",
            "2",
        ],
        [election_id, pid, "us-rep-cd34", contests[0]["Name"], "", "Overvotes", "overvotes", "1"],
        [election_id, pid, "us-rep-cd34", contests[0]["Name"], "", "Undervotes", "undervotes", "4"],
    ]
    # Σ votes + over + under = BallotsCast × VotesAllowed, read from the CSV alone.
    ballots = doc["Election"][0]["BallotCounts"][0]["BallotsCast"]
    assert ballots == T
    assert sum(int(r[7]) for r in body) == ballots * contests[0]["VotesAllowed"]
    # Bytes: UTF-8 without BOM, CRLF after every row including the last.
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == len(table) and data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_same_document_same_bytes(finalized: PrecinctSession) -> None:
    eid = finalized.definition.id
    first = results_csv_bytes(document(finalized), election_id=eid)
    assert results_csv_bytes(document(finalized), election_id=eid) == first
    shuffled = dict(reversed(list(document(finalized).items())))
    assert results_csv_bytes(shuffled, election_id=eid) == first


def test_accented_names_survive_and_quoting_round_trips(finalized: PrecinctSession) -> None:
    doc = document(finalized)
    candidate(doc, "jimmy-gomez")["BallotName"]["Text"][0]["Content"] = "José Gómez"
    candidate(doc, "robert-lee-ahn")["BallotName"]["Text"][0]["Content"] = 'Ahn, "Bob"\nLee'
    data = results_csv_bytes(doc, election_id="e1")
    assert "José Gómez".encode() in data
    names = [r[5] for r in rows(data)[1:]]
    assert names[:2] == ['Ahn, "Bob"\nLee', "José Gómez"]


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_formula_injection_is_neutralised(finalized: PrecinctSession, hostile: str) -> None:
    doc = document(finalized)
    candidate(doc, "jimmy-gomez")["BallotName"]["Text"][0]["Content"] = hostile
    doc["Election"][0]["Contest"][0]["Name"] = "=cmd|' /C calc'!A0"
    body = rows(results_csv_bytes(doc, election_id="@evil"))[1:]
    gomez = next(r for r in body if r[4] == "jimmy-gomez")
    assert gomez[5] == "'" + hostile
    assert {r[3] for r in body} == {"'=cmd|' /C calc'!A0"}
    assert {r[0] for r in body} == {"'@evil"}
    # Cells a spreadsheet could run never start with a formula character.
    for r in body:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r)
    assert safe_cell("Ana - Ruiz") == "Ana - Ruiz"


def test_election_id_from_the_document_or_refused(finalized: PrecinctSession) -> None:
    doc = document(finalized)
    election = doc["Election"][0]
    ours = [e for e in election.get("ExternalIdentifier", []) if e["OtherType"] == "election-id"]
    if ours:  # the document names its election: the CSV uses that id by default
        assert {r[0] for r in rows(results_csv_bytes(doc))[1:]} == {finalized.definition.id}
    election.pop("ExternalIdentifier", None)
    with pytest.raises(ValueError, match="election-id"):
        results_csv_bytes(doc)
    doc["Election"][0]["ExternalIdentifier"] = [
        {
            "@type": T_ + "ExternalIdentifier",
            "Type": "other",
            "OtherType": "election-id",
            "Value": "ca34-runoff",
        }
    ]
    assert {r[0] for r in rows(results_csv_bytes(doc))[1:]} == {"ca34-runoff"}


def _total(unit: str, n: int) -> dict[str, Any]:
    return {"@type": T_ + "VoteCounts", "GpUnitId": unit, "Type": "total", "Count": n}


def test_aggregated_document_with_two_precincts_and_a_measure(finalized: PrecinctSession) -> None:
    """The supervisor's shape: every count carries several GpUnitIds, contests differ by precinct."""
    doc = copy.deepcopy(document(finalized))
    p1 = finalized.precinct.id
    election = doc["Election"][0]
    doc["GpUnit"].append({"@type": T_ + "ReportingUnit", "@id": "p2", "Type": "precinct"})
    (contest,) = election["Contest"]
    for i, sel in enumerate(contest["ContestSelection"]):
        sel["VoteCounts"].append(_total("p2", 10 + i))
        # a non-total breakdown is ignored
        sel["VoteCounts"].append({**_total("p2", 999), "Type": "early"})
    contest["OtherCounts"].append(
        {"@type": T_ + "OtherCounts", "GpUnitId": "p2", "Overvotes": 0, "Undervotes": 3}
    )
    election["Contest"].append(
        {
            "@type": T_ + "BallotMeasureContest",
            "@id": "measure-h",
            "Name": "Measure H",
            "ContestSelection": [
                {
                    "@type": T_ + "BallotMeasureSelection",
                    "@id": "h-yes",
                    "Selection": {
                        "@type": T_ + "InternationalizedText",
                        "Text": [
                            {"@type": T_ + "LanguageString", "Language": "es", "Content": "Sí"},
                            {"@type": T_ + "LanguageString", "Language": "en", "Content": "Yes"},
                        ],
                    },
                    "VoteCounts": [_total("p2", 20)],
                },
                {
                    "@type": T_ + "BallotMeasureSelection",
                    "@id": "h-no",
                    "Selection": {
                        "@type": T_ + "InternationalizedText",
                        "Text": [
                            {"@type": T_ + "LanguageString", "Language": "en", "Content": "No"}
                        ],
                    },
                    "VoteCounts": [_total("p2", 11)],
                },
            ],
            "OtherCounts": [
                {"@type": T_ + "OtherCounts", "GpUnitId": "p2", "Overvotes": 1, "Undervotes": 1}
            ],
        }
    )
    body = rows(results_csv_bytes(doc, election_id="e"))[1:]
    assert len(body) == (3 + 2) + (3 + 2) + (2 + 2)
    # Precincts in the document's GpUnit order; the measure only where it has counts.
    assert [r[1] for r in body] == [p1] * 5 + ["p2"] * 9
    p2 = [r for r in body if r[1] == "p2"]
    assert [(r[2], r[5], r[6], r[7]) for r in p2] == [
        ("us-rep-cd34", "Robert Lee Ahn", "candidate", "10"),
        ("us-rep-cd34", "Jimmy Gomez", "candidate", "11"),
        ("us-rep-cd34", "Write-ins", "write-ins", "12"),
        ("us-rep-cd34", "Overvotes", "overvotes", "0"),
        ("us-rep-cd34", "Undervotes", "undervotes", "3"),
        ("measure-h", "Yes", "choice", "20"),
        ("measure-h", "No", "choice", "11"),
        ("measure-h", "Overvotes", "overvotes", "1"),
        ("measure-h", "Undervotes", "undervotes", "1"),
    ]
    # A selection missing its total for a precinct the contest covers is refused.
    del contest["ContestSelection"][0]["VoteCounts"][1]
    with pytest.raises(ValueError, match="no total for p2"):
        results_csv_bytes(doc, election_id="e")


def test_qualified_write_in_kind() -> None:
    doc: dict[str, Any] = {
        "Election": [
            {
                "Candidate": [
                    {
                        "@id": "candidate-q",
                        "BallotName": {"Text": [{"Language": "en", "Content": "Quinn Q"}]},
                    }
                ],
                "Contest": [
                    {
                        "@type": T_ + "CandidateContest",
                        "@id": "c1",
                        "Name": "Mayor",
                        "ContestSelection": [
                            {
                                "@type": T_ + "CandidateSelection",
                                "@id": "q",
                                "IsWriteIn": True,
                                "CandidateIds": ["candidate-q"],
                                "VoteCounts": [_total("p", 4)],
                            },
                        ],
                        "OtherCounts": [{"GpUnitId": "p", "Overvotes": 0, "Undervotes": 0}],
                    }
                ],
            }
        ]
    }
    body = rows(results_csv_bytes(doc, election_id="e"))[1:]
    assert body[0][4:] == ["q", "Quinn Q", "qualified-write-in", "4"]
    doc["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0]["Count"] = 2.5
    with pytest.raises(ValueError, match="not a whole number"):
        results_csv_bytes(doc, election_id="e")
