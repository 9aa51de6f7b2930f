"""Alembic environment and revisions of the api database."""
