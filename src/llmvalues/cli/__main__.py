"""``python -m llmvalues.cli``: the ``llmvalues`` command."""

import sys

from llmvalues.cli import main

sys.exit(main())
