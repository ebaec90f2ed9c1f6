"""`python -m raas.client <Operation> …`."""

import sys

from raas.client.cli import main

sys.exit(main())
