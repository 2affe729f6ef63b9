"""The call flow: Twilio's webhooks answered with TwiML.

Owns: twiml (pure rendering of each step from the call's state in its URL), voice (the
Flask blueprint: signatures, the fail-safe for each leg), availability (who is open now),
media (prompt audio for <Play>).
May import: ivr.menu, ivr.audio (the audio store), ivr.store (closures, read from the
worker's snapshot, never on a call's request), ivr.logs, Flask and twilio.
"""
