"""PostgreSQL access: tables, engine, unit of work and repositories (the only SQLAlchemy importer)."""
