"""``python -m tests.simulation``: the soak (see :mod:`tests.simulation.soak`)."""

import sys

from tests.simulation.soak import main

if __name__ == "__main__":
    sys.exit(main())
