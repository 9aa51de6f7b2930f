"""Entry point of ``python -m bench``."""

import sys

from bench import cli

sys.exit(cli.main())
