"""``python -m ferlib.cli``: the same command line as ``ferlib``."""

import sys

from ferlib.cli import main

sys.exit(main())
