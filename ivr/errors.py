"""The project's base error: an expected problem, reported to a person without a traceback.

Every error a staff member or an operator can meet derives from it (a menu's located
problems, a refused sign-in, a change that lost a race); the commands print it as one
plain line and the console shows it on the page. It lives at the bottom of the imports,
so that any part of ivr can raise it without importing another part.
"""

from __future__ import annotations


class IvrError(Exception):
    """An expected problem, reported to the user without a traceback."""
