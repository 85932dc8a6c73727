"""``python -m svduty`` is the ``svduty`` command."""

from svduty.cli import main

main()
