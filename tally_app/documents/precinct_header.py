"""The running page header of a precinct's printed documents (DESIGN §9).

The tally sheet and the posting copy carry the same header: election, jurisdiction,
precinct, status, when (and where) it was generated, the fingerprint, and the marks that
must be on every page (TEST, AMENDED, a draft, a self-signed identity).
"""

from __future__ import annotations

from tally_app.documents.layout import (
    PageHeader,
    jurisdiction_line,
    precinct_line,
    status_of,
)
from tally_app.session import PrecinctSession


def precinct_page_header(
    session: PrecinctSession,
    *,
    document: str,
    generated: str,
    is_test: bool,
    county_issued: bool,
    app_version: str,
    draft: bool = False,
) -> PageHeader:
    """The header of ``document`` for ``session``'s precinct; ``generated`` is its line as
    printed. Marked TEST, AMENDED, "NOT FINALIZED — DRAFT" (``draft``) and "NOT
    COUNTY-ISSUED" where they apply; TEST and AMENDED are also watermarks."""
    definition = session.definition
    amended = session.store.amended
    return PageHeader(
        document=document,
        election=definition.title,
        jurisdiction=jurisdiction_line(
            definition.jurisdiction.county, definition.jurisdiction.state, definition.date
        ),
        precinct=precinct_line(session.precinct.label, session.precinct.polling_place),
        status=status_of(is_test),
        generated=generated,
        app_version=app_version,
        fingerprint=definition.fingerprint,
        marks=tuple(
            mark
            for mark, on in (
                ("TEST", is_test),
                ("AMENDED", amended),
                ("NOT FINALIZED — DRAFT", draft),
                ("NOT COUNTY-ISSUED", not county_issued),
            )
            if on
        ),
        watermarks=tuple(w for w, on in (("TEST", is_test), ("AMENDED", amended)) if on),
    )
