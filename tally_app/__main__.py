"""``python -m tally_app``: the same as the ``tally-app`` command."""

from tally_app.cli import main

raise SystemExit(main())
