"""``python -m honestballot`` is the ``honestballot`` command."""

from honestballot.cli.main import main

main()
