"""A precinct writer for the durability test: run as a script, killed with SIGKILL at random.

    python -m tests.helpers.durability_writer DATA_DIR START_VALUE

It opens (or starts) the default election's first precinct through the facade and commits
fields one by one, forever, with values that only ever increase. Before each write it
prints ``T <key> <value>`` (tried) and after the facade returns ``S <key> <value>``
(saved: the UI would now show it as saved). Every line is flushed at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.session import PrecinctSession

WRITER = Actor("Durability Writer", "clerk")


def field_keys(session: PrecinctSession) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for style_id in session.precinct.ballot_style_ids:
        keys += [("style", style_id, f.value) for f in StyleField]
    keys += [("roster", f.value) for f in RosterField]
    for sheet in Sheet:
        for contest in session.contests:
            keys += [("vote", sheet.value, contest.id, s) for s in contest.selection_ids]
            keys += [("line", sheet.value, contest.id, line.value) for line in ContestLine]
    return keys


def write(session: PrecinctSession, key: tuple[str, ...], value: int) -> None:
    match key:
        case ("style", style_id, name):
            session.set_style_field(style_id, StyleField(name), value, WRITER)
        case ("roster", name):
            session.set_roster_field(RosterField(name), value, WRITER)
        case ("vote", sheet, contest_id, selection_id):
            session.set_vote(Sheet(sheet), contest_id, selection_id, value, WRITER)
        case ("line", sheet, contest_id, line):
            session.set_line(Sheet(sheet), contest_id, ContestLine(line), value, WRITER)
        case _:
            raise AssertionError(key)


def main() -> None:
    data_dir, value = Path(sys.argv[1]), int(sys.argv[2])
    definition = service.default_definition()
    session = service.start_precinct(data_dir, definition, definition.precincts[0].id, actor=WRITER)
    keys = field_keys(session)
    print("READY", flush=True)
    i = value
    while True:
        key = keys[i % len(keys)]
        name = "|".join(key)
        sys.stdout.write(f"T {name} {i}\n")
        sys.stdout.flush()
        write(session, key, i)
        sys.stdout.write(f"S {name} {i}\n")
        sys.stdout.flush()
        i += 1


if __name__ == "__main__":
    main()
