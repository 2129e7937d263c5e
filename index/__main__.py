"""`python -m index` is the `newsdesk` command."""

import sys

from index.cli import main

sys.exit(main())
