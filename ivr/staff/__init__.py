"""Staff tools that change the line: recording by phone (phone), publishing a menu
(publish), and the web console (console); accounts, sessions and reviews are the store's
services (ivr.store.accounts, ivr.store.sessions, ivr.store.reviews).

May import: ivr.menu, ivr.audio, ivr.call (availability, closed text), ivr.store,
ivr.published, ivr.line (what callers hear now), ivr.report (the console's report),
ivr.simulate and ivr.simulate_text (the Try pages), ivr.fetch, ivr.errors, ivr.paths,
ivr.logs, Flask, Flask-Login, Flask-WTF and twilio. Never ivr.app: a draft menu is tried
on a line beside the live one (ivr.line).
tests/test_imports.py checks every floor's arrows.
"""
