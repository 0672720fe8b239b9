"""What ``nox`` runs besides Sphinx: checks, reports and measurements, each ``python -m``-able.

Each tool works on the project in the current directory unless told otherwise on its command
line (``--docs``, ``--html``, ``--root``...).
"""
