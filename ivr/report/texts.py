"""What the text line counts: each text's counts (ivr/call/conversation.py says which)
added to the same hourly counters as calls, by the line's own number, never the
texter's; texts tried in the console are not counted."""

from __future__ import annotations

from ivr.call.conversation import Counts
from ivr.call.form import Environ, Params
from ivr.call.sms import Told
from ivr.report.tally import Tally


def text_counter(tally: Tally) -> Told:
    """What the text webhook tells after each answer: counted into tally."""

    def count(p: Params, environ: Environ, counts: Counts) -> None:
        if environ.get("HTTP_X_IVR_TRIAL"):
            return
        tally.add_all(p.line_number(), counts)  # To: the line's own number

    return count
