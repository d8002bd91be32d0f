"""The printed documents (DESIGN §8): tally sheet and certificate, posting copy, blank sheets.

Each function returns UNSIGNED PDF bytes, byte-identical for the same data and ``generated``
time; signing is ``tally_app.documents.signing``. reportlab is imported only here and below,
so the first window never pays for it (DESIGN §14).
"""

from __future__ import annotations

from tally_app.documents.blank_sheets import blank_sheets_pdf
from tally_app.documents.posting import posting_copy_pdf
from tally_app.documents.tally_sheet import tally_sheet_pdf

__all__ = ["blank_sheets_pdf", "posting_copy_pdf", "tally_sheet_pdf"]
