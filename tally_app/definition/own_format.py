"""Our own definition format: the checks a schema cannot make, and building the model.

`semantic_problems` runs on any parsed JSON (it may be half wrong: every access is defensive)
so that one pass lists every problem. `build` runs only on a document that passed every check.
The format is documented by ``resources/schemas/election-definition.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from tally_app.definition.model import (
    DEFAULT_SEVERITIES,
    BallotStyle,
    BallotStyleId,
    BoardRole,
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
    RoleId,
    RuleId,
    SelectionId,
    Severity,
)
from tally_app.definition.problems import Problem, json_path

FORMAT_NAME = "precinct-tally/election-definition"
FORMAT_VERSION = 1

# California precinct boards (Elec. Code §12302 ff.): one inspector, judges and clerks; two of
# the clerks keep the tally sheets A and B for double entry (DESIGN §5, A7).
DEFAULT_BOARD_ROLES: tuple[BoardRole, ...] = (
    BoardRole(RoleId("inspector"), "Inspector", 1, 1),
    BoardRole(RoleId("judge"), "Judge", 0, 2),
    BoardRole(RoleId("clerk"), "Clerk", 2, 4),
    BoardRole(RoleId("tally_keeper_a"), "Tally keeper A", 1, 1),
    BoardRole(RoleId("tally_keeper_b"), "Tally keeper B", 1, 1),
)


def _items(doc: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, object) for each object in ``doc[key]``; anything else the schema reports."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Ids:
    """First path of each id of one kind; reports a repeat at its second path."""

    def __init__(self, kind: str, problems: list[Problem]) -> None:
        self.kind = kind
        self.first: dict[str, str] = {}
        self.problems = problems

    def add(self, value: str | None, path: str) -> None:
        if value is None:
            return
        if value in self.first:
            self.problems.append(
                Problem(
                    path,
                    "duplicate_id",
                    f"The {self.kind} id {value!r} is already used at {self.first[value]}; "
                    f"give each {self.kind} its own id.",
                )
            )
        else:
            self.first[value] = path

    def __contains__(self, value: object) -> bool:
        return value in self.first


def _reference(problems: list[Problem], path: str, value: str | None, ids: _Ids, what: str) -> None:
    if value is not None and value not in ids:
        problems.append(
            Problem(
                path,
                "unknown_reference",
                f"{what} {value!r} is not defined in this file; add it or fix the id.",
            )
        )


def semantic_problems(doc: Any) -> list[Problem]:
    """Duplicate ids, dangling references and the rules that span fields."""
    problems: list[Problem] = []
    districts = _Ids("district", problems)
    parties = _Ids("party", problems)
    contests = _Ids("contest", problems)
    selections = _Ids("candidate or option", problems)
    styles = _Ids("ballot style", problems)
    precincts = _Ids("precinct", problems)
    roles = _Ids("board role", problems)

    for i, d in _items(doc, "districts"):
        districts.add(_str(d, "id"), json_path(["districts", i, "id"]))
    for i, p in _items(doc, "parties"):
        parties.add(_str(p, "id"), json_path(["parties", i, "id"]))
    for i, c in _items(doc, "contests"):
        contests.add(_str(c, "id"), json_path(["contests", i, "id"]))
        _reference(
            problems,
            json_path(["contests", i, "district_id"]),
            _str(c, "district_id"),
            districts,
            "The district",
        )
        for j, cand in _items(c, "candidates"):
            selections.add(_str(cand, "id"), json_path(["contests", i, "candidates", j, "id"]))
            party = _str(cand, "party_id")
            _reference(
                problems,
                json_path(["contests", i, "candidates", j, "party_id"]),
                party,
                parties,
                "The party",
            )
        for j, option in _items(c, "options"):
            selections.add(_str(option, "id"), json_path(["contests", i, "options", j, "id"]))
        if c.get("kind") == "candidate":
            problems.extend(_candidate_contest_rules(c, i))
    for i, s in _items(doc, "ballot_styles"):
        styles.add(_str(s, "id"), json_path(["ballot_styles", i, "id"]))
        ids = s.get("contest_ids")
        for j, cid in enumerate(ids if isinstance(ids, list) else []):
            if isinstance(cid, str):
                _reference(
                    problems,
                    json_path(["ballot_styles", i, "contest_ids", j]),
                    cid,
                    contests,
                    "The contest",
                )
    for i, p in _items(doc, "precincts"):
        precincts.add(_str(p, "id"), json_path(["precincts", i, "id"]))
        ids = p.get("ballot_style_ids")
        for j, sid in enumerate(ids if isinstance(ids, list) else []):
            if isinstance(sid, str):
                _reference(
                    problems,
                    json_path(["precincts", i, "ballot_style_ids", j]),
                    sid,
                    styles,
                    "The ballot style",
                )
    for i, r in _items(doc, "board_roles"):
        roles.add(_str(r, "id"), json_path(["board_roles", i, "id"]))
        low, high = r.get("min_count", 1), r.get("max_count", 1)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(
                Problem(
                    json_path(["board_roles", i, "min_count"]),
                    "role_counts",
                    f"min_count {low} is above max_count {high}; make min_count at most max_count.",
                )
            )
    return problems


def _candidate_contest_rules(contest: dict[str, Any], i: int) -> Iterator[Problem]:
    candidates = [c for _, c in _items(contest, "candidates")]
    vote_for = _int(contest, "vote_for")
    unqualified = contest.get("unqualified_write_ins") is True
    if vote_for is not None and vote_for > len(candidates) >= 1 and not unqualified:
        yield Problem(
            json_path(["contests", i, "vote_for"]),
            "vote_for_too_large",
            f"The number of votes allowed (vote_for) is {vote_for} but the contest has only {len(candidates)} candidate(s) and "
            "no unqualified write-ins; lower vote_for or add the missing candidates.",
        )
    seen_write_in = False
    for j, cand in enumerate(candidates):
        if cand.get("write_in") is True:
            seen_write_in = True
        elif seen_write_in:
            yield Problem(
                json_path(["contests", i, "candidates", j]),
                "write_in_not_last",
                "A ballot candidate follows a qualified write-in; list qualified write-ins after "
                "every candidate printed on the ballot.",
            )
            break


def _policy(raw: Mapping[str, Any] | None) -> Policy:
    if not raw:
        return Policy()
    severities = dict(DEFAULT_SEVERITIES)
    for rule, severity in (raw.get("severities") or {}).items():
        severities[RuleId(rule)] = Severity(severity)
    defaults = Policy()
    return Policy(
        severities=MappingProxyType(severities),
        double_entry=bool(raw.get("double_entry", defaults.double_entry)),
        provisional_voters_sign_roster=bool(
            raw.get("provisional_voters_sign_roster", defaults.provisional_voters_sign_roster)
        ),
        blank_ballot_warn_fraction=float(
            raw.get("blank_ballot_warn_fraction", defaults.blank_ballot_warn_fraction)
        ),
        small_count_suppression=bool(
            raw.get("small_count_suppression", defaults.small_count_suppression)
        ),
        small_count_threshold=int(raw.get("small_count_threshold", defaults.small_count_threshold)),
    )


def _contest(raw: Mapping[str, Any]) -> Contest:
    if raw["kind"] == "measure":
        yes, no = (MeasureOption(SelectionId(o["id"]), o["name"]) for o in raw["options"])
        return MeasureContest(
            id=ContestId(raw["id"]),
            title=raw["title"],
            district_id=DistrictId(raw["district_id"]),
            text=raw.get("text", ""),
            options=(yes, no),
        )
    return CandidateContest(
        id=ContestId(raw["id"]),
        title=raw["title"],
        district_id=DistrictId(raw["district_id"]),
        vote_for=raw["vote_for"],
        candidates=tuple(
            Candidate(
                id=SelectionId(c["id"]),
                name=c["name"],
                party_id=PartyId(c["party_id"]) if c.get("party_id") is not None else None,
                write_in=bool(c.get("write_in", False)),
            )
            for c in raw["candidates"]
        ),
        unqualified_write_ins=raw["unqualified_write_ins"],
    )


def build(doc: Mapping[str, Any], *, fingerprint: str, source_bytes: bytes) -> ElectionDefinition:
    """The immutable definition of a document that passed every check."""
    j = doc["jurisdiction"]
    roles = doc.get("board_roles")
    return ElectionDefinition(
        id=ElectionId(doc["id"]),
        title=doc["title"],
        date=doc["date"],
        type=doc["type"],
        jurisdiction=Jurisdiction(county=j["county"], state=j["state"], state_code=j["state_code"]),
        districts=tuple(
            District(DistrictId(d["id"]), d["name"], d["type"]) for d in doc["districts"]
        ),
        parties=tuple(
            Party(PartyId(p["id"]), p["name"], p["abbreviation"]) for p in doc.get("parties", ())
        ),
        contests=tuple(_contest(c) for c in doc["contests"]),
        ballot_styles=tuple(
            BallotStyle(BallotStyleId(s["id"]), tuple(ContestId(c) for c in s["contest_ids"]))
            for s in doc["ballot_styles"]
        ),
        precincts=tuple(
            Precinct(
                id=PrecinctId(p["id"]),
                name=p.get("name", ""),
                ballot_style_ids=tuple(BallotStyleId(s) for s in p["ballot_style_ids"]),
                polling_place=p.get("polling_place"),
                registered_voters=p.get("registered_voters"),
            )
            for p in doc["precincts"]
        ),
        board_roles=(
            tuple(
                BoardRole(RoleId(r["id"]), r["title"], r.get("min_count", 1), r.get("max_count", 1))
                for r in roles
            )
            if roles
            else DEFAULT_BOARD_ROLES
        ),
        policy=_policy(doc.get("policy")),
        fingerprint=fingerprint,
        source_bytes=source_bytes,
        source_format="precinct-tally",
        notes=doc.get("notes", ""),
    )
