"""Persistence: SQLAlchemy 2 (async) models; Alembic migrations in migrations/ change the schema."""
