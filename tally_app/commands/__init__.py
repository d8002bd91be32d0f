"""The command line's commands, one module each (``add(sub)`` registers its subparser).

`tally_app.cli` holds the dispatch; the pieces every command shares live in `base`.
"""
