"""PostgreSQL access: tables, engine, unit of work, repositories (the only SQLAlchemy importer)."""
