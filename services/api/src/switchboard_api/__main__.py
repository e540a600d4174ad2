"""``python -m switchboard_api`` is the ``switchboard-api`` command."""

import sys

from switchboard_api.cli import main

sys.exit(main())
