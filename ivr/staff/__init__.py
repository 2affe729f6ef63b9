"""Staff tools that change the line: recording prompts by phone (phone), later the console.

May import: ivr.menu, ivr.audio, ivr.store, ivr.fetch, Flask and twilio.
"""
