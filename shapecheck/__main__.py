"""``python -m shapecheck`` is the ``shapecheck`` command."""

import sys

from shapecheck.cli import main

sys.exit(main())
