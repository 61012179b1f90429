"""The SQL of ``manage.py seed``: every row computed inside PostgreSQL (see the command)."""
