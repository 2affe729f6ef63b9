"""Staff tools that change the line: recording by phone (phone), accounts, publishing a
menu (publish), and the web console (console).

May import: ivr.menu, ivr.audio, ivr.call (availability, closed text, the simulator),
ivr.store, ivr.fetch, Flask, Flask-Login, Flask-WTF and twilio.
"""
