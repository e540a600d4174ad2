"""Alembic migrations of the API's database."""
