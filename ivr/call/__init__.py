"""The call flow: Twilio's webhooks answered with TwiML.

Owns: twiml (pure rendering of each step from the call's state in its URL), voice (the
caller webhooks, answered in front of Flask, and the fail-safe for each leg), form (what
Twilio sent: the form, the call's state, the signature), availability (who is open now),
media (prompt audio for <Play>).
May import: ivr.menu, ivr.audio (the audio store), ivr.store (closures, read from the
worker's snapshot, never on a call's request), ivr.logs, Flask and twilio.
"""
