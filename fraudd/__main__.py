"""``python -m fraudd`` is the ``fraudd`` command."""

from fraudd.cli import main

main()
