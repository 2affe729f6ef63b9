"""How the line is used, counted without remembering anyone.

Owns: tally (each worker's counts, written through the store's service, ivr.store.counts,
in the background), events (what a
webhook counts), texts (the text line's counts), summary (counts read back, small numbers
suppressed).
Counts are per hour and per line (the line's own number): never a caller's or texter's
number, a Twilio id, speech, a text's words, a time finer than the hour or a row per call.
May import: ivr.menu, ivr.call (the answers' reading of a caller's key), ivr.store.
"""
