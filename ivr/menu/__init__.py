"""The menu and its checks: menus.yaml read with line numbers, every problem located, the
frozen model, every spoken text, opening hours and phone numbers.

Owns: source (YAML) -> check (problems) -> model (Menu) -> texts; load (the entry point).
May import: the standard library, PyYAML, phonenumbers, holidays. Nothing else of ivr:
the call flow, the store and the commands build on it, never the other way.
"""
