"""PostgreSQL access: the only importer of SQLAlchemy.

One module per aggregate (accounts, type_dossiers, audit, persons, person_import, register,
links, link_formats, link_reports, events, notifications, ssdn_clients), each in the same order:
its tables, its written-out SQL, its repository, its row mappers. Beside them: `tables` (the
shared metadata), `schema` (every table), `uow` (the unit of work that holds the repositories),
`database`, `migrations`, `health` and `pool`.

The statements a request runs are written out as SQL with `%(name)s` parameters and run with
`exec_driver_sql`: built with SQLAlchemy's expression language, their construction and
compilation took a fifth of a request's CPU. The others use the expression language.
"""
