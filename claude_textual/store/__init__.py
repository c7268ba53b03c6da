"""SQLite storage through SQLModel: tables, engine, migrations and queries. No Textual here."""
