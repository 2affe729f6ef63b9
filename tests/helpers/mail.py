"""The helpline watch's alert emails in tests: where they go, and to which server."""

from __future__ import annotations

from ivr.staff.alerts import Mail, mail_settings

STAFF = "staff@example.org"


def mail(port: int, scheme: str = "smtp", user: str = "") -> Mail:
    found = mail_settings(f"{scheme}://{user}127.0.0.1:{port}", f"{STAFF}, second@example.org")
    assert found is not None
    return found
