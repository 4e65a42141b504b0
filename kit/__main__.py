"""``python -m kit``: the course's command line (``kit.tooling.cli``)."""

import sys

from kit.tooling.cli import main

if __name__ == "__main__":
    sys.exit(main())
