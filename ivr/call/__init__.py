"""The call flow: Twilio's webhooks answered with TwiML, and the text line's.

Owns: decide (what a caller's answer to a menu means: one Choice, rendered and counted),
twiml (each step rendered from the call's state in its URL, by a Renderer made of
spoken: what is said, rings: a transfer down a chain, leg: the helpline's whisper and its
key), routes (the webhooks' paths), tokens (a ring's name),
failsafe (static TwiML for any failure), closed (a closed helpline's sentence), voice (the
caller webhooks, answered in front of Flask, and the fail-safe for each leg), state (what
a call's URLs carry: CallState), form (what Twilio sent: the form, the signature),
availability (who is open now), media (prompt audio for <Play>), sms (the text line's
webhook, /sms, and its cookie), conversation (what a text asks for, from where the texter
is).
May import: ivr.menu, ivr.audio (the audio store), ivr.store (closures, read from the
worker's snapshot, never on a call's request), ivr.logs, Flask and twilio.
"""
