"""``results.csv``: the results document's counts as one spreadsheet-friendly table (DESIGN §10).

It is made from the NIST ERR v2 results document itself, never from the store, so the CSV
and the JSON cannot disagree. It reads any precinct-level document, so the supervisor's
aggregated document (several precincts, several contests) gives one table too.

Rows, for each precinct (in the document's ``GpUnit`` order) and each contest with counts
for it (in the document's order): one row per selection in the document's order (a
candidate, a qualified write-in, the pooled unqualified write-ins named "Write-ins", or a
measure's choice), then an ``overvotes`` row and an ``undervotes`` row. Only ``total``
counts are read. Overvote and undervote rows have an empty selection id.

Bytes: UTF-8 without BOM, RFC 4180 (``\\r\\n`` line ends, quoting by the csv module),
deterministic. Names come from definitions and USB drives, so a text cell that a
spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return)
gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

HEADER = (
    "election_id",
    "precinct_id",
    "contest_id",
    "contest_name",
    "selection_id",
    "selection_name",
    "kind",
    "votes",
)
WRITE_INS_NAME = "Write-ins"
ELECTION_ID_TYPE = "election-id"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CANDIDATE = "candidate"
QUALIFIED_WRITE_IN = "qualified-write-in"
WRITE_INS = "write-ins"
CHOICE = "choice"
OVERVOTES = "overvotes"
UNDERVOTES = "undervotes"


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: formula-like starts get an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: Any) -> str:
    """An ERR ``InternationalizedText`` (English preferred) or a plain string, as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        strings = [s for s in value.get("Text", ()) if isinstance(s, Mapping)]
        for s in strings:
            if s.get("Language") == "en":
                return str(s.get("Content", ""))
        if strings:
            return str(strings[0].get("Content", ""))
    return ""


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"The count of {where} is {value!r}, not a whole number.")
    if value < 0:
        raise ValueError(f"The count of {where} is negative.")
    return int(value)


def _totals(counts: Sequence[Mapping[str, Any]], where: str) -> dict[str, int]:
    """The ``total`` count per GpUnitId."""
    found: dict[str, int] = {}
    for vc in counts:
        if vc.get("Type") != "total":
            continue
        unit = str(vc.get("GpUnitId", ""))
        if unit in found:
            raise ValueError(f"{where} has two total counts for {unit}.")
        found[unit] = _whole(vc.get("Count"), f"{where} in {unit}")
    return found


def _election_id(doc: Mapping[str, Any], election: Mapping[str, Any]) -> str:
    for holder in (election, doc):
        for ext in holder.get("ExternalIdentifier", ()):
            if ext.get("Type") == "other" and ext.get("OtherType") == ELECTION_ID_TYPE:
                return str(ext.get("Value", ""))
    raise ValueError(
        "The results document does not name its election (no 'election-id' "
        "ExternalIdentifier); pass election_id."
    )


def _selection(
    selection: Mapping[str, Any], names: Mapping[str, str], contest_id: str
) -> tuple[str, str, str]:
    """(selection id, name, kind) of one ContestSelection."""
    sid = str(selection.get("@id", ""))
    kind_of = str(selection.get("@type", ""))
    if kind_of.endswith("BallotMeasureSelection"):
        return sid, _text(selection.get("Selection")), CHOICE
    candidate_ids = [str(c) for c in selection.get("CandidateIds", ())]
    if selection.get("IsWriteIn") and not candidate_ids:
        return sid, WRITE_INS_NAME, WRITE_INS
    missing = [c for c in candidate_ids if c not in names]
    if not candidate_ids or missing:
        raise ValueError(
            f"Selection {sid!r} of contest {contest_id!r} names no candidate in the document."
        )
    name = " / ".join(names[c] for c in candidate_ids)
    return sid, name, QUALIFIED_WRITE_IN if selection.get("IsWriteIn") else CANDIDATE


def _precinct_order(doc: Mapping[str, Any], units: set[str]) -> list[str]:
    listed = [str(u.get("@id")) for u in doc.get("GpUnit", ()) if str(u.get("@id")) in units]
    return listed + sorted(units - set(listed))


def results_rows(
    doc: Mapping[str, Any], *, election_id: str | None = None
) -> Iterator[tuple[str, ...]]:
    """The table's rows after the header, as text cells (not yet formula-protected)."""
    for election in doc.get("Election", ()):
        eid = election_id if election_id is not None else _election_id(doc, election)
        names = {
            str(c.get("@id")): _text(c.get("BallotName")) for c in election.get("Candidate", ())
        }
        contests = []
        units: set[str] = set()
        for contest in election.get("Contest", ()):
            cid = str(contest.get("@id", ""))
            selections = [
                (
                    *_selection(s, names, cid),
                    _totals(s.get("VoteCounts", ()), f"selection {s.get('@id')!r}"),
                )
                for s in contest.get("ContestSelection", ())
            ]
            other = {str(o.get("GpUnitId", "")): o for o in contest.get("OtherCounts", ())}
            contest_units = set(other)
            for *_, totals in selections:
                contest_units |= set(totals)
            units |= contest_units
            contests.append((contest, cid, selections, other, contest_units))
        for unit in _precinct_order(doc, units):
            for contest, cid, selections, other, contest_units in contests:
                if unit not in contest_units:
                    continue
                cname = _text(contest.get("Name"))
                for sid, sname, kind, totals in selections:
                    if unit not in totals:
                        raise ValueError(
                            f"Selection {sid!r} of contest {cid!r} has no total for {unit}."
                        )
                    yield (eid, unit, cid, cname, sid, sname, kind, str(totals[unit]))
                counts = other.get(unit)
                if counts is None:
                    raise ValueError(f"Contest {cid!r} has no overvotes and undervotes for {unit}.")
                for kind, key, label in (
                    (OVERVOTES, "Overvotes", "Overvotes"),
                    (UNDERVOTES, "Undervotes", "Undervotes"),
                ):
                    n = _whole(counts.get(key), f"{key.lower()} of {cid} in {unit}")
                    yield (eid, unit, cid, cname, "", label, kind, str(n))


def results_csv_bytes(doc: Mapping[str, Any], *, election_id: str | None = None) -> bytes:
    """The CSV bytes of a results document.

    ``election_id`` is the definition's id; when omitted it is read from an ``election-id``
    ExternalIdentifier of the Election (or the report). Raises ValueError when the document
    is missing a count or a name the table needs.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in results_rows(doc, election_id=election_id):
        # kind and votes are ours; every other cell may come from a definition or a drive.
        writer.writerow([safe_cell(c) for c in row[:6]] + list(row[6:]))
    return out.getvalue().encode("utf-8")
