"""`python -m bench`: the whole suite (see bench.suite)."""

import sys

from bench.suite import main

sys.exit(main())
