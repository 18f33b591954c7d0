"""``python -m autograd_lite``: the same as the ``autograd-lite`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
