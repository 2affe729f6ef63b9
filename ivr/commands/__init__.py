"""The command line (`ivr`): one module a command group, all on the same store and paths.

Owns: main (the `ivr` group, check, simulate, serve, export-fallback), hours, prompts,
menu, db, and options (what every command shares). May import anything in ivr; nothing
imports it.
"""
