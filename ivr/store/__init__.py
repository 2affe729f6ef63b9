"""The store: the database every instance of the line shares (SQLAlchemy 2 + Alembic).

It owns the schema, its migrations and the services that read and change what staff
change, each with its own queries and rules: changes (menus, takes, closures, the audit
log; what they read in reads), accounts (console accounts and sign-in), sessions (the
console's signed-in browsers), reviews (fluent speakers' confirmations and proposals),
health (the helpline watch), counts (the report's hourly counts), pins, dials; rows holds
the values they hand out, live each worker's snapshot. It imports nothing from the call
flow, the console or the command line (the menu only); they call it. No caller's number,
call SID or speech is ever written here.
"""
