"""Connections the API owns for its lifetime: PostgreSQL, Redis, S3."""
