"""Entry script of the bundled counter-admin (build.spec): the administration command line."""

import sys

from counter_app.cli.admin import main

if __name__ == "__main__":
    sys.exit(main())
