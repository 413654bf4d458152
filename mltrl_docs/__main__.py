"""``python -m mltrl_docs`` runs the ``mltrl`` command."""

import sys

from .cli import main

sys.exit(main())
