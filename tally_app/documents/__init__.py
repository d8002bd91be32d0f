"""The printed documents (DESIGN §8): tally sheet and certificate, posting copy, blank sheets.

`tally_sheet`, `posting` and `blank_sheets` return UNSIGNED PDF bytes, byte-identical for the
same data and ``generated`` time; `signing` signs and checks them (PAdES, pyHanko). Import the
module you need: importing this package loads neither reportlab nor pyHanko, so the first
window never pays for them (DESIGN §14).
"""
