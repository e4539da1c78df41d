"""Entry script of the bundled counter-app (build.spec): the desktop client."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
