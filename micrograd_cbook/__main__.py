"""``python -m micrograd_cbook``: the command line."""

import sys

from .cli import main

sys.exit(main())
