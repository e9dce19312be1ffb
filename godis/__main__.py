"""``python -m godis`` runs the same CLI as the ``godis`` script."""

from godis.cli import main

main()
