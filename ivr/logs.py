"""Log lines that can never hold a phone number, whatever a request carried."""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# Seven or more digits, spaced or not: +447700900123, 07700 900123, (01332) 985111, %2B44…
# (dates and times, with their - and :, are left alone)
_PHONE = re.compile(r"(?:\+|%2[Bb])?\(?(?:\d\)?(?:%20| )?){6,}\d")
HIDDEN = "[number hidden]"


# Anything that could end a log line or hide in one: C0 and C1 controls, DEL, the Unicode
# line and paragraph separators. A request path with %0a could otherwise forge a line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def redact(text: str) -> str:
    """text with anything that could be a phone number replaced, on one line: control
    characters are written as escapes (\\x0a), so no value can start a line of its own."""
    one_line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _PHONE.sub(HIDDEN, one_line)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments included, without phone numbers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger (`--logger-class ivr.logs.RedactingLogger`), numbers hidden.

    The access log's format drops query strings already; a path can still hold digits,
    so each value of an access line is filtered (the line as a whole holds status, size
    and time side by side, which are no phone number), and every error line is too:
    gunicorn's own quote request lines.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactingFilter())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


def install(logger: logging.Logger) -> None:
    """Filter every record the app's own logger writes."""
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
