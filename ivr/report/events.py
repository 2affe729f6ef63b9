"""What each caller webhook counts: derived from the call's state and Twilio's values,
never from anything that names the caller."""

from __future__ import annotations

from collections.abc import Callable

from ivr.call import twiml
from ivr.call.decide import Means
from ivr.call.form import Environ, Params
from ivr.call.state import CallState
from ivr.call.twiml import Renderer
from ivr.call.voice import STATUS_GONE, decided, ring
from ivr.call.watch import Watch
from ivr.report.tally import Tally
from ivr.store.health import ACCEPTED

# Metrics, as `ivr report` names them
CALL = "call"  # answered
CHOICE = "choice"  # subject: menu.key
BY_KEY, BY_SPEECH = "by key", "by speech"  # subject: menu
SILENT, WRONG_KEY, NOT_UNDERSTOOD = "silence", "wrong key", "not understood"
RETRY_LIMIT = "retry limit"  # subject: menu
HEARD, LEFT = "menu heard", "menu left"  # subject: menu; heard, never left: hung up there
# From Twilio's status callback, when a call ends: a caller who hung up before the
# greeting could have ended (subject: the home menu, which was counted as heard)
HUNG_UP_GREETING = "hung up in the greeting"
ENDED = "call ended"
MISSED = "not answered"  # subject: Twilio's CallStatus (a caller gone before the answer)
MISSED_STATUSES = frozenset({"busy", "failed", "no-answer", "canceled"})
DIALLED = "transfer"  # subject: helpline (each ring)
LANGUAGE = "language"  # subject: the language chosen (in English: "Polish")
# A dial's end, per helpline: accepted (pressed 1), declined (answered, no 1), busy...
DIAL_ENDS = ("accepted", "declined", "answered", "busy", "no-answer", "failed", "canceled")
NUMBERS = "numbers read"  # nobody could be reached: the numbers to call were read out
NUMBERS_AGAIN = "numbers read again"
SKIPPED = "skipped: closed"  # subject: helpline
SKIPPED_FAILING = "skipped: cannot take calls"  # subject: helpline (the helpline watch)
# After a helpline (subject) did not take the call: where the caller went
ON_TO_NEXT, ON_TO_24_7, ON_TO_NUMBERS = "on to the next", "on to the 24/7 line", "on to numbers"
HUNG_UP_RINGING = "caller hung up while ringing"  # subject: helpline
# Seconds from the call's answer to a helpline pressing 1, per helpline (subject)
# metric: "connected " + a band, below each limit in seconds (the last: the rest)
CONNECTED = "connected "
WAIT_BANDS = ("<30 s", "30-60 s", "60-90 s", "90-120 s", ">120 s")
WAIT_LIMITS = (30, 60, 90, 120)
LONGEST_CALL = 24 * 60 * 60  # Twilio ends a call after 4 hours: anything longer is garbage
Counts = list[tuple[str, str]]


def choose(renderer: Renderer, p: Params) -> Counts:
    """A caller's answer to a menu: what they chose or missed, and the menu they hear
    next (a menu heard and never left is where a caller hung up). The answer's own
    Choice (decide.py) says what it meant: nothing is worked out again here."""
    choice = decided(renderer, p)
    node_id, key, means = choice.node, choice.key, choice.means
    if means is Means.UNKNOWN_MENU:
        return []
    counts: Counts = [(LEFT, node_id)]
    by_key = bool(p("Digits").strip())
    after = [(RETRY_LIMIT, node_id)] if choice.spent else [(HEARD, node_id)]
    if means is Means.SILENT:
        return [*counts, (SILENT, node_id), *after]
    if means is Means.NOT_AN_OPTION:
        return [*counts, (WRONG_KEY if by_key else NOT_UNDERSTOOD, node_id), *after]
    counts += [(CHOICE, f"{node_id}.{key}"), (BY_KEY if by_key else BY_SPEECH, node_id)]
    if means is Means.LANGUAGE:
        # (by its code, were the menu to change between the answer and its count)
        language = renderer.menu.languages.get(choice.language)
        return [*counts, (LANGUAGE, language.name if language else choice.language), *after]
    if means is Means.MENU:
        return [*counts, (HEARD, choice.menu)]
    return counts + onward(renderer, node_id, choice.chain, 0, ring=ring(p))


def onward(
    renderer: Renderer, node_id: str, key: str, step: int, after: str = "", ring: str = ""
) -> Counts:
    """A transfer from chain[step] on, as the renderer makes it: closed helplines and
    those that cannot take calls skipped, then a helpline rung, or the numbers read.
    after: the helpline that did not answer; ring: the request's ring token."""
    menu, availability = renderer.menu, renderer.availability
    chain = menu.chain(node_id, key)
    now = availability.clock()
    counts: Counts = []
    while step < len(chain):
        helpline = menu.helplines[chain[step]]
        if not availability.is_open(helpline, now):
            counts.append((SKIPPED, chain[step]))
        elif availability.cannot_take(helpline, ring):
            counts.append((SKIPPED_FAILING, chain[step]))
        else:
            break
        step += 1
    if step >= len(chain):
        return counts + [(ON_TO_NUMBERS, after)] * bool(after) + [(NUMBERS, "")]
    if after:
        going = ON_TO_24_7 if chain[step] == renderer.settings.operator else ON_TO_NEXT
        counts.append((going, after))
    return counts


def dial_end(renderer: Renderer, p: Params) -> tuple[str, str] | None:
    """The helpline a dial action is about and how its ring ended (one of DIAL_ENDS, or
    HUNG_UP_RINGING); None past the end of its chain. Worked out once a request: the
    counts and the helpline watch both ask."""
    if "dial_end" not in p.memo:
        p.memo["dial_end"] = _dial_end(renderer, p)
    return p.memo["dial_end"]  # type: ignore[return-value]


def _dial_end(renderer: Renderer, p: Params) -> tuple[str, str] | None:
    state = CallState.of(p)
    chain = renderer.menu.chain(state.node, state.key)
    step = state.step
    if step >= len(chain):
        return None
    status = p("DialCallStatus")
    bridged = p("DialBridged").lower()
    # DialBridged decides: a caller who talked to the helpline and then hung up comes
    # with CallStatus=completed too (one who hangs up during the whisper heard ringing)
    if p("CallStatus") in STATUS_GONE and bridged != "true":
        return chain[step], HUNG_UP_RINGING
    if bridged == "true":
        return chain[step], "accepted"
    if status == "completed":
        return chain[step], "declined" if bridged == "false" else "answered"
    return chain[step], status if status in DIAL_ENDS else "failed"


def dialled(renderer: Renderer, p: Params) -> Counts:
    """A dial to a helpline ended: how."""
    ended = dial_end(renderer, p)
    if ended is None:
        return []
    helpline, end = ended
    counts = [(DIALLED, helpline), (end, helpline)]
    if end in ("accepted", "answered", HUNG_UP_RINGING):
        # answered: Twilio did not say whether it was accepted. Only the helpline's note
        # knows, and it is read once, by the call itself: where it went is not counted
        return counts
    state = CallState.of(p)
    step = state.step + 1
    return counts + onward(renderer, state.node, state.key, step, after=helpline, ring=ring(p))


def connected(renderer: Renderer, p: Params) -> Counts:
    """A helpline pressed 1: how long the caller had waited since the line answered."""
    state = CallState.of(p)
    helpline, answered = state.helpline, state.answered
    if p("Digits").strip() != twiml.ACCEPT_KEY or helpline not in renderer.menu.helplines:
        return []
    if not answered:
        return []
    seconds = renderer.availability.clock().timestamp() - int(answered)
    if not 0 <= seconds <= LONGEST_CALL:
        return []
    return [(connected_in(seconds), helpline)]


def connected_in(seconds: float) -> str:
    """The time-to-connect metric for a wait of seconds."""
    below = [band for band, most in zip(WAIT_BANDS, WAIT_LIMITS, strict=False) if seconds < most]
    return CONNECTED + (below[0] if below else WAIT_BANDS[-1])


def answered(renderer: Renderer, p: Params) -> Counts:
    return [(CALL, ""), (HEARD, renderer.settings.home)]


def ended(renderer: Renderer, p: Params, greeting_seconds: float) -> Counts:
    """Twilio's status callback: the caller's call ended (or was never answered).

    It carries no state of the call, only its length: one shorter than the greeting
    means the caller hung up during it (a caller who pressed a key in the greeting and
    hung up before its length was up is counted there too: rare, and not knowable).
    """
    if p.on_helpline_leg():
        return []
    status = p("CallStatus")
    if status in MISSED_STATUSES:
        return [(MISSED, status)]
    if status != "completed":
        return []
    seconds = p("CallDuration")
    if seconds.isascii() and seconds.isdigit() and int(seconds) < greeting_seconds:
        return [(ENDED, ""), (HUNG_UP_GREETING, renderer.settings.home)]
    return [(ENDED, "")]


def numbers(renderer: Renderer, p: Params) -> Counts:
    return [(NUMBERS_AGAIN, "")]


COUNTED: dict[str, Callable[[Renderer, Params], Counts]] = {
    twiml.START: answered,
    twiml.CHOOSE: choose,
    twiml.DIALLED: dialled,
    twiml.NUMBERS: numbers,
    twiml.ACCEPT: connected,
}

# A call made from the console's "Try the line": not a caller, never counted
TRIAL_HEADER = "X-IVR-Trial"


def counter(
    tally: Tally,
    renderer: Callable[[], Renderer],
    greeting_seconds: Callable[[], float] = lambda: 0.0,
) -> Callable[[str, Params, Environ], None]:
    """What the webhooks tell after each answer: counted into tally.

    greeting_seconds: how long the greeting now plays (for the status callback).
    """

    counted = dict(COUNTED)
    counted[twiml.STATUS] = lambda renderer, p: ended(renderer, p, greeting_seconds())

    def count(path: str, p: Params, environ: Environ) -> None:
        counts = counted.get(path)
        if counts is None or environ.get("HTTP_X_IVR_TRIAL"):
            return
        # On the helpline's leg To is the helpline: the whisper passed the line's on
        line = CallState.of(p).line if path == twiml.ACCEPT else p.line_number()
        tally.add_all(line, counts(renderer(), p))  # at one reading of the clock

    return count


# What the helpline watch learns from a dial's end: not an accept (the helpline's own
# leg tells that, pressing 1), nor a caller who hung up, nor a dial of unknown outcome
WATCHED_ENDS = frozenset({"declined", "busy", "no-answer", "failed"})


def watched(
    watch: Watch, renderer: Callable[[], Renderer]
) -> Callable[[str, Params, Environ], None]:
    """What the webhooks tell the helpline watch: how each transfer ended."""

    def tell(path: str, p: Params, environ: Environ) -> None:
        if environ.get("HTTP_X_IVR_TRIAL"):
            return  # a call tried in the console: its helplines' answers are made up
        if path == twiml.ACCEPT:
            helpline = CallState.of(p).helpline
            if p("Digits").strip() == twiml.ACCEPT_KEY and helpline in renderer().menu.helplines:
                watch.note(helpline, ACCEPTED)
        elif path == twiml.DIALLED:
            ended = dial_end(renderer(), p)
            if ended is not None and ended[1] in WATCHED_ENDS:
                watch.note(*ended)

    return tell
