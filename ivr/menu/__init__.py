"""The menu and its checks: menus.yaml read with line numbers, every problem located, the
frozen model, every spoken text, opening hours and phone numbers.

Owns: source (YAML) -> check (problems) -> build -> model (Menu) -> texts; load (the entry
point); sms (the menus read as text), segments (SMS segments), check_sms (the text line's
checks), characters (what a caller's TwiML can carry, and plain text for staff's names).
May import: the standard library, PyYAML, phonenumbers, holidays, Babel, and of ivr only
ivr.errors: the call flow, the store and the commands build on it, never the other way.
"""
