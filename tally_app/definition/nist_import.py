"""Importing a NIST SP 1500-100 ERR CDF v2 pre-election report as an election definition.

The mapping (CDF_NOTES §5):

- precincts: ``GpUnit`` ReportingUnits of Type ``precinct``, in file order; a precinct carries
  every ``BallotStyle`` whose ``GpUnitIds`` name it, a unit inside it (a split) or a unit that
  contains it (a district or the county);
- contests: ``CandidateContest`` (``VotesAllowed`` → vote_for; a ``CandidateSelection`` with
  ``CandidateIds`` is a candidate named by the candidates' ``BallotName``; with ``IsWriteIn``
  and ``CandidateIds`` a qualified write-in; with ``IsWriteIn`` and no ``CandidateIds`` it means
  unqualified write-ins are recorded), ``BallotMeasureContest``/``RetentionContest`` with their
  two ``BallotMeasureSelection`` options; selection ids are the selections' ``@id`` so that our
  results export can reuse them;
- districts: the ReportingUnits contests name as ``ElectionDistrictId``;
- ballot styles: ids ``bs-1``, ``bs-2``… in file order (NIST styles have no ``@id``), contests
  from ``OrderedContent`` (through ``OrderedHeader`` too);
- jurisdiction: the county unit (the election scope when it is a county) and the state unit,
  falling back to the election scope's name and to ``IssuerAbbreviation`` when it is a state code;
- the election id is made from the election's name and start date; board roles and policy
  are our defaults.

Everything is checked defensively and every problem is listed, as for our own format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tally_app.definition.model import (
    BallotStyle,
    BallotStyleId,
    Candidate,
    CandidateContest,
    Contest,
    ContestId,
    District,
    DistrictId,
    ElectionDefinition,
    ElectionId,
    Jurisdiction,
    MeasureContest,
    MeasureOption,
    Party,
    PartyId,
    Policy,
    Precinct,
    PrecinctId,
    SelectionId,
)
from tally_app.definition.own_format import DEFAULT_BOARD_ROLES
from tally_app.definition.problems import Problem, json_path
from tally_app.definition.us_states import STATE_CODES, STATE_NAMES

REPORT_TYPE = "ElectionResults.ElectionReport"
_T = "ElectionResults."
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
_UNSUPPORTED_VARIATIONS = frozenset({"borda", "cumulative", "range", "rcv", "proportional"})
_MEASURE_TYPES = (_T + "BallotMeasureContest", _T + "RetentionContest")
Path = list[str | int]


def is_nist_report(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("@type") == REPORT_TYPE


def _list(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _objects(obj: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, item in enumerate(_list(obj, key)):
        if isinstance(item, dict):
            yield index, item


def _text(value: Any) -> str:
    """The English (else the first) content of an InternationalizedText."""
    texts = [
        t for t in _list(value, "Text") if isinstance(t, dict) and isinstance(t.get("Content"), str)
    ]
    for t in texts:
        if str(t.get("Language", "")).lower().startswith("en"):
            return str(t["Content"]).strip()
    return str(texts[0]["Content"]).strip() if texts else ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _all_ids(value: Any, parts: Path, first: dict[str, str]) -> Iterator[Problem]:
    """Every ``@id`` in the document must be unique (the CDF's references rely on it)."""
    if isinstance(value, dict):
        ident = value.get("@id")
        if isinstance(ident, str):
            here = json_path([*parts, "@id"])
            if ident in first:
                yield Problem(
                    here,
                    "duplicate_id",
                    f"The id {ident!r} is already used at {first[ident]}; every @id must be unique.",
                )
            else:
                first[ident] = here
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield from _all_ids(item, [*parts, key], first)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _all_ids(item, [*parts, index], first)


class _Import:
    """One import: collects problems while building; the objects are used only if none."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, parts: Path, code: str, message: str) -> None:
        self.problems.append(Problem(json_path(parts), code, message))

    def check_id(self, parts: Path, value: Any) -> None:
        if isinstance(value, str) and not _ID.match(value):
            self.problem(
                parts,
                "bad_id",
                f"{value!r} cannot be used as an id here (ids name export folders); use 1–64 letters, digits, '.', '_' or '-'.",
            )

    def unknown(self, parts: Path, value: Any, what: str) -> None:
        self.problem(
            parts,
            "unknown_reference",
            f"{what} {value!r} is not defined in this file; add it or fix the id.",
        )

    def run(self, fingerprint: str, source_bytes: bytes) -> ElectionDefinition | None:
        doc = self.doc
        self.problems.extend(_all_ids(doc, [], {}))
        units = {
            u["@id"]: (i, u) for i, u in _objects(doc, "GpUnit") if isinstance(u.get("@id"), str)
        }
        parties = self._parties()
        elections = list(_objects(doc, "Election"))
        if not elections:
            self.problem(
                ["Election"],
                "missing",
                "The file holds no Election; a pre-election report must define one.",
            )
            return None
        if len(elections) > 1:
            self.problem(
                ["Election"],
                "multiple_elections",
                f"The file holds {len(elections)} elections; export one election per file.",
            )
            return None
        e_index, election = elections[0]
        at: Path = ["Election", e_index]
        scope = election.get("ElectionScopeId")
        if isinstance(scope, str) and scope not in units:
            self.unknown([*at, "ElectionScopeId"], scope, "The election scope unit")
        candidates = {
            c["@id"]: c for _, c in _objects(election, "Candidate") if isinstance(c.get("@id"), str)
        }
        for ci, cand in _objects(election, "Candidate"):
            party = cand.get("PartyId")
            if isinstance(party, str) and party not in parties:
                self.unknown([*at, "Candidate", ci, "PartyId"], party, "The party")
        contests, district_ids = self._contests(at, election, units, candidates)
        raw_contest_ids = {
            c["@id"] for _, c in _objects(election, "Contest") if isinstance(c.get("@id"), str)
        }
        styles = self._styles(at, election, units, raw_contest_ids)
        precincts = self._precincts(units, styles)
        if self.problems:
            return None
        name = _text(election.get("Name"))
        date = str(election.get("StartDate", ""))
        election_id = (_slug(name)[:53].strip("-") + "-" + date).strip("-") or "election"
        return ElectionDefinition(
            id=ElectionId(election_id),
            title=name or election_id,
            date=date,
            type=str(election.get("Type", "other")),
            jurisdiction=self._jurisdiction(units, scope),
            districts=tuple(self._district(units[d][1]) for d in district_ids),
            parties=tuple(parties.values()),
            contests=tuple(contests),
            ballot_styles=tuple(s for s, _ in styles),
            precincts=precincts,
            board_roles=DEFAULT_BOARD_ROLES,
            policy=Policy(),
            fingerprint=fingerprint,
            source_bytes=source_bytes,
            source_format="nist-err-v2",
            notes=self._notes(),
        )

    def _notes(self) -> str:
        doc = self.doc
        notes = (
            f"Imported from a NIST ERR CDF v2 pre-election report issued by {doc.get('Issuer', '?')} "
            f"({doc.get('GeneratedDate', '?')})."
        )
        extra = doc.get("Notes")
        return f"{notes} {extra}" if isinstance(extra, str) and extra else notes

    def _parties(self) -> dict[str, Party]:
        parties: dict[str, Party] = {}
        for i, p in _objects(self.doc, "Party"):
            ident = p.get("@id")
            if not isinstance(ident, str):
                continue
            self.check_id(["Party", i, "@id"], ident)
            name = _text(p.get("Name")) or ident
            abbreviation = p.get("Abbreviation")
            if not isinstance(abbreviation, str) or not abbreviation:
                abbreviation = re.sub(r"[^A-Za-z]", "", name)[:3].upper() or ident[:10]
            parties[ident] = Party(PartyId(ident), name, abbreviation)
        return parties

    def _contests(
        self,
        at: Path,
        election: dict[str, Any],
        units: dict[str, tuple[int, dict[str, Any]]],
        candidates: dict[str, dict[str, Any]],
    ) -> tuple[list[Contest], list[str]]:
        contests: list[Contest] = []
        districts: list[str] = []
        for ci, raw in _objects(election, "Contest"):
            here: Path = [*at, "Contest", ci]
            ident, kind = raw.get("@id"), raw.get("@type")
            if not isinstance(ident, str):
                continue
            self.check_id([*here, "@id"], ident)
            district = raw.get("ElectionDistrictId")
            if isinstance(district, str):
                if district not in units:
                    self.unknown([*here, "ElectionDistrictId"], district, "The district unit")
                elif district not in districts:
                    districts.append(district)
            title = str(raw.get("Name", ident))
            contest: Contest | None
            if kind == _T + "CandidateContest":
                contest = self._candidate_contest(here, raw, candidates)
            elif kind in _MEASURE_TYPES:
                contest = self._measure(here, raw)
            else:
                self.problem(
                    [*here, "@type"],
                    "unsupported_contest",
                    f"{kind!r} contests cannot be hand-tallied by this app; remove the contest or make it a candidate or ballot-measure contest.",
                )
                continue
            if contest is not None and isinstance(district, str):
                contests.append(self._finish(contest, ident, title, district))
        return contests, districts

    @staticmethod
    def _finish(partial: Contest, ident: str, title: str, district: str) -> Contest:
        from dataclasses import replace

        return replace(partial, id=ContestId(ident), title=title, district_id=DistrictId(district))

    def _candidate_contest(
        self, here: Path, raw: dict[str, Any], candidates: dict[str, dict[str, Any]]
    ) -> CandidateContest | None:
        variation = raw.get("VoteVariation")
        if isinstance(variation, str) and variation in _UNSUPPORTED_VARIATIONS:
            self.problem(
                [*here, "VoteVariation"],
                "unsupported_vote_variation",
                f"{variation!r} voting cannot be hand-tallied by this app; only vote-for-N contests can.",
            )
        on_ballot: list[tuple[float, int, Candidate]] = []
        write_ins: list[tuple[float, int, Candidate]] = []
        unqualified = False
        for si, sel in _objects(raw, "ContestSelection"):
            spath: Path = [*here, "ContestSelection", si]
            if sel.get("@type") != _T + "CandidateSelection" or not isinstance(sel.get("@id"), str):
                continue
            self.check_id([*spath, "@id"], sel["@id"])
            ids = [c for c in _list(sel, "CandidateIds") if isinstance(c, str)]
            is_write_in = sel.get("IsWriteIn") is True
            if is_write_in and not ids:
                unqualified = True
                continue
            if not ids:
                self.problem(
                    spath,
                    "missing",
                    "This selection names no candidate and is not a write-in; add CandidateIds or set IsWriteIn.",
                )
                continue
            names, party = [], None
            for k, cid in enumerate(ids):
                cand = candidates.get(cid)
                if cand is None:
                    self.unknown([*spath, "CandidateIds", k], cid, "The candidate")
                    continue
                name = _text(cand.get("BallotName"))
                if not name:
                    self.problem(
                        [*spath, "CandidateIds", k],
                        "missing",
                        f"The candidate {cid!r} has no BallotName text; give every candidate "
                        "the name printed on the ballot.",
                    )
                    continue
                names.append(name)
                if party is None and isinstance(cand.get("PartyId"), str):
                    party = PartyId(cand["PartyId"])
            order = sel.get("SequenceOrder")
            key = (
                float(order)
                if isinstance(order, int) and not isinstance(order, bool)
                else float("inf")
            )
            entry = (
                key,
                si,
                Candidate(SelectionId(sel["@id"]), " / ".join(names), party, is_write_in),
            )
            (write_ins if is_write_in else on_ballot).append(entry)
        lines = tuple(c for _, _, c in sorted(on_ballot)) + tuple(
            c for _, _, c in sorted(write_ins)
        )
        vote_for = raw.get("VotesAllowed")
        if not isinstance(vote_for, int) or isinstance(vote_for, bool):
            return None  # the schema has said why
        if vote_for < 1:
            self.problem(
                [*here, "VotesAllowed"],
                "vote_for_too_small",
                f"VotesAllowed is {vote_for}, but voters must be allowed at least 1 vote; set it to 1 or more.",
            )
        elif vote_for > len(lines) and not unqualified:
            self.problem(
                [*here, "VotesAllowed"],
                "vote_for_too_large",
                f"VotesAllowed is {vote_for} but the contest has only {len(lines)} candidate(s) and no write-in line; lower it or add the candidates.",
            )
        if not lines:
            self.problem(
                [*here, "ContestSelection"],
                "too_few_items",
                "This contest has no candidates; add its CandidateSelections.",
            )
        return CandidateContest(ContestId(""), "", DistrictId(""), vote_for, lines, unqualified)

    def _measure(self, here: Path, raw: dict[str, Any]) -> MeasureContest | None:
        options = []
        for si, sel in _objects(raw, "ContestSelection"):
            if sel.get("@type") == _T + "BallotMeasureSelection" and isinstance(
                sel.get("@id"), str
            ):
                self.check_id([*here, "ContestSelection", si, "@id"], sel["@id"])
                options.append(
                    MeasureOption(
                        SelectionId(sel["@id"]), _text(sel.get("Selection")) or sel["@id"]
                    )
                )
        if len(options) != 2:
            self.problem(
                [*here, "ContestSelection"],
                "measure_needs_two_options",
                f"A measure needs exactly two options (yes and no), not {len(options)}; fix its BallotMeasureSelections.",
            )
            return None
        text = (
            _text(raw.get("FullText"))
            or _text(raw.get("SummaryText"))
            or _text(raw.get("BallotTitle"))
        )
        return MeasureContest(ContestId(""), "", DistrictId(""), text, (options[0], options[1]))

    def _styles(
        self,
        at: Path,
        election: dict[str, Any],
        units: dict[str, tuple[int, dict[str, Any]]],
        contest_ids: set[str],
    ) -> list[tuple[BallotStyle, list[str]]]:
        styles: list[tuple[BallotStyle, list[str]]] = []
        for bi, raw in _objects(election, "BallotStyle"):
            here: Path = [*at, "BallotStyle", bi]
            carried: list[ContestId] = []
            for path, cid in _ordered_contests(raw, here):
                if cid not in contest_ids:
                    self.unknown(path, cid, "The contest")
                elif cid not in carried:
                    carried.append(ContestId(cid))
            if not carried:
                self.problem(
                    here,
                    "style_without_contests",
                    "This ballot style lists no contest in OrderedContent; add the contests its ballots carry.",
                )
            gp_units = []
            for k, uid in enumerate(_list(raw, "GpUnitIds")):
                if not isinstance(uid, str):
                    continue
                if uid not in units:
                    self.unknown([*here, "GpUnitIds", k], uid, "The unit")
                else:
                    gp_units.append(uid)
            styles.append((BallotStyle(BallotStyleId(f"bs-{bi + 1}"), tuple(carried)), gp_units))
        return styles

    def _precincts(
        self,
        units: dict[str, tuple[int, dict[str, Any]]],
        styles: list[tuple[BallotStyle, list[str]]],
    ) -> tuple[Precinct, ...]:
        children: dict[str, list[str]] = {
            uid: [c for c in _list(u, "ComposingGpUnitIds") if isinstance(c, str)]
            for uid, (_, u) in units.items()
        }
        parents: dict[str, list[str]] = {}
        for parent, kids in children.items():
            for kid in kids:
                parents.setdefault(kid, []).append(parent)
        precincts: list[Precinct] = []
        for uid, (ui, unit) in units.items():
            if unit.get("Type") != "precinct" or unit.get("@type") != _T + "ReportingUnit":
                continue
            self.check_id(["GpUnit", ui, "@id"], uid)
            related = _reachable(uid, children) | _reachable(uid, parents)
            carried = tuple(s.id for s, named in styles if related.intersection(named))
            if not carried:
                self.problem(
                    ["GpUnit", ui],
                    "precinct_without_ballot_style",
                    f"The precinct {uid!r} is named by no BallotStyle; add it to the GpUnitIds of its ballot style.",
                )
            voters = unit.get("VotersRegistered")
            precincts.append(
                Precinct(
                    id=PrecinctId(uid),
                    name=_text(unit.get("Name")),
                    ballot_style_ids=carried,
                    registered_voters=voters
                    if isinstance(voters, int) and not isinstance(voters, bool)
                    else None,
                )
            )
        if not precincts:
            self.problem(
                ["GpUnit"],
                "no_precincts",
                "The file defines no ReportingUnit of Type precinct; add the precincts.",
            )
        return tuple(precincts)

    @staticmethod
    def _district(unit: dict[str, Any]) -> District:
        kind = str(unit.get("Type", "other"))
        if kind == "other" and isinstance(unit.get("OtherType"), str):
            kind = unit["OtherType"]
        return District(DistrictId(unit["@id"]), _text(unit.get("Name")) or unit["@id"], kind)

    def _jurisdiction(
        self, units: dict[str, tuple[int, dict[str, Any]]], scope: Any
    ) -> Jurisdiction:
        def first(kind: str) -> dict[str, Any] | None:
            if isinstance(scope, str) and scope in units and units[scope][1].get("Type") == kind:
                return units[scope][1]
            return next((u for _, u in units.values() if u.get("Type") == kind), None)

        county_unit, state_unit = first("county"), first("state")
        county = _text(county_unit.get("Name")) if county_unit else ""
        if not county and isinstance(scope, str) and scope in units:
            county = _text(units[scope][1].get("Name"))
        state = _text(state_unit.get("Name")) if state_unit else ""
        code = STATE_CODES.get(state.casefold(), "")
        issuer = self.doc.get("IssuerAbbreviation")
        if not state and isinstance(issuer, str) and issuer.upper() in STATE_NAMES:
            code = issuer.upper()
            state = STATE_NAMES[code]
        return Jurisdiction(county=county, state=state, state_code=code)


def _ordered_contests(style: dict[str, Any], here: Path) -> Iterator[tuple[Path, str]]:
    for oi, item in _objects(style, "OrderedContent"):
        if item.get("@type") == _T + "OrderedContest" and isinstance(item.get("ContestId"), str):
            yield [*here, "OrderedContent", oi, "ContestId"], item["ContestId"]
        elif item.get("@type") == _T + "OrderedHeader":
            yield from _ordered_contests(item, [*here, "OrderedContent", oi])


def _reachable(uid: str, edges: dict[str, list[str]]) -> set[str]:
    """The unit and every unit reached from it along ``edges`` (children or parents)."""
    seen, todo = {uid}, [uid]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def import_problems_and_definition(
    doc: dict[str, Any], *, fingerprint: str, source_bytes: bytes, already: list[Problem]
) -> tuple[ElectionDefinition | None, list[Problem]]:
    """Check a parsed NIST report and build the definition when nothing is wrong."""
    from tally_app.definition.schema_check import nist_validator, schema_problems

    status = doc.get("Status")
    if status != "pre-election":
        return None, [
            Problem(
                "$.Status",
                "not_pre_election",
                f"This NIST file is a results report (Status {status!r}), not an election "
                "definition; load the county's pre-election file (Status pre-election).",
            )
        ]
    problems = list(already)
    skip = [p.path for p in already]
    problems.extend(schema_problems(nist_validator(), doc, skip=skip))
    run = _Import(doc)
    definition = run.run(fingerprint, source_bytes)
    problems.extend(p for p in run.problems if p.path not in skip)
    if problems:
        return None, problems
    return definition, []
