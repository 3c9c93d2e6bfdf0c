"""Majlis application shell: settings, database, migrations, the app factory and the CLI.

Only this package knows the concrete classes of the other packages; it wires them together.
"""

__version__ = "0.1.0"
