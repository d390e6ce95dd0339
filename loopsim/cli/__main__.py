"""``python -m loopsim.cli``."""

from . import main

main()
