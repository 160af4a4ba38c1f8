"""``python -m imagepolicy``: the same as the ``imagepolicy`` command."""

import sys

from .cli import main

sys.exit(main())
