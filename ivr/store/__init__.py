"""The store: the database every instance of the line shares (SQLAlchemy 2 + Alembic).

It owns the schema, its migrations and the functions that read and change what staff
change. It imports nothing from the call flow, the console or the command line; they
call it. No caller's number, call SID or speech is ever written here.
"""
