"""Fuzz the gate: whatever staff try to make callers hear, through whichever door.

Random menu texts, Words and closure reasons (control characters, YAML escapes, format
specs, very long text, Unicode noncharacters, right-to-left marks...) go through each door
that changes what callers hear: the console's forms, the `ivr` commands, and the services
themselves. Each is either refused with a located message, and nothing changes, or taken,
and then every answer of a call (the menu, the transfer, the helpline's whisper and its
key, the numbers read out, the goodbye) parses as TwiML and is the line's own answer:
never the fail-safe, which would mean a change had got past the gate.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr import create_app
from ivr.commands import hours as hours_cli
from ivr.commands.main import main
from ivr.errors import IvrError
from ivr.menu.edit import set_text
from ivr.menu.source import MenuError
from ivr.simulate import Simulator
from ivr.staff import publish as publish_module
from ivr.staff.publish import publish
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.rows import ClosureRow, Who
from tests.helpers import NOON, THIS_TESTS_THREADS, config
from tests.helpers.browser import flashed, signed_in

WHO = Who("fuzz", "cli")
UNTIL = NOON + timedelta(hours=3)
GOODBYE = ("prompts", "goodbye")
TEMPLATE = """\
settings:
  service_name: @service_name@
prompts:
  greeting: @greeting@
  connecting: @connecting@
  not_available: @not_available@
  closed: @closed@
  goodbye: @goodbye@
helplines:
  national_24h:
    name: the National Domestic Abuse Helpline
    number: 0808 2000 247
  refuge_derby:
    name: @refuge_name@
    number: 0800 085 3481
menus:
  main:
    say: @say@
    options:
      1:
        label: @label@
        keywords: [@keyword@]
        transfer: [refuge_derby, national_24h]
"""
DEFAULTS = {
    "service_name": "Derbyshire Victim Services",
    "greeting": "{service_name}. If you are in danger now, hang up and dial 999.",
    "connecting": "Connecting you to {name}.",
    "not_available": "Sorry, {name} could not take your call.",
    "closed": "{name} is closed now{reason}. {opens}",
    "goodbye": "Thank you for calling. Goodbye.",
    "refuge_name": "Refuge",
    "say": "Welcome.",
    "label": "Refuge",
    "keyword": "refuge",
}
SPECIALS = [
    *("\x00", "\x01", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"),  # controls
    *("\ud800", "\udfff"),  # lone surrogates
    *("\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"),  # noncharacters
    *("\u200f", "\u202e", "\u2028", "\ufeff", "\u00a0"),  # RTL marks, separators, BOM
    *("{service_name}", "{service_name:.>200000000}", "{name!r}", "{label:>9}", "{0}", "{}"),
    *("{", "}", "{{", "}}", "<Say>x</Say>", "]]>", "&amp;", '"', "\\", "'", ": ", "#", "- "),
    *("999", "\t", "\n", "\r", " "),
]
PIECE = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(st.characters(exclude_categories=()), max_size=8),  # any code point at all
    st.text("abcdefghij ", max_size=12),
)
LONG = st.integers(100, 3000).map(lambda n: "help " * n)
VALUE = st.one_of(st.lists(PIECE, min_size=1, max_size=6).map("".join), LONG)
# How a value is written in the file: as itself, or with YAML's escapes for anything
# outside printable ASCII (only the parsed value then holds the character)
STYLES = ("raw", "escaped")
CHANGES = st.one_of(
    st.tuples(st.just("menu"), st.sampled_from(sorted(DEFAULTS)), VALUE, st.sampled_from(STYLES)),
    st.tuples(st.just("words"), VALUE),
    st.tuples(st.just("closure"), VALUE),
)
DOORS = ("console", "cli", "service")
LOCATED_IN_FILE = re.compile(r"^[\w .-]+:\d+: ", re.M)


def quoted(value: str, style: str) -> str:
    """value as a YAML double-quoted string."""
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif style == "escaped" and not 0x20 <= code < 0x7F:
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def menu_text(**values: str) -> str:
    text = TEMPLATE
    for field, default in DEFAULTS.items():
        text = text.replace(f"@{field}@", values.get(field, quoted(default, "raw")))
    return text


BASE = menu_text()


def from_a_browser(text: str) -> str:
    """What a form can carry: a browser sends U+FFFD for a lone surrogate."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


class Line:
    """The app, its store, a signed-in admin, and the command line on the same store."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base_file = tmp_path / "menus.yaml"
        self.base_file.write_text(BASE, encoding="utf-8")
        prompts = tmp_path / "prompts"
        self.app = create_app(
            config(tmp_path, IVR_MENU=str(self.base_file), PROMPTS_DIR=str(prompts))
        )
        self.app.config["SESSION_COOKIE_SECURE"] = False
        self.store: Store = self.app.extensions["ivr.store"]
        self.admin = signed_in(self.app, Accounts(self.store), "admin")
        self.prompts, self.cache = prompts, tmp_path / "state" / "audio"
        self.draft = tmp_path / "fuzz.yaml"
        monkeypatch.setenv("DATABASE_URL", self.app.config["DATABASE_URL"])
        monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("PROMPTS_DIR", str(prompts))
        monkeypatch.setenv("IVR_MENU", str(self.base_file))
        monkeypatch.setattr(hours_cli, "utc_now", lambda: NOON)

    def live_text(self) -> str:
        version = self.store.menu()
        return version.text if version else BASE

    def versions(self) -> int:
        version = self.store.menu()
        return version.number if version else 0

    def closures(self) -> dict[str, Any]:
        return dict(self.store.snapshot().closures)


# Each door: True if the change was taken; False if refused with a located message


def publish_menu(line: Line, door: str, text: str) -> bool:
    if door == "service":
        try:
            publish(line.store, text, "fuzz.yaml", WHO, "fuzz", line.prompts, line.cache)
        except MenuError as e:
            assert e.problems
            assert all(LOCATED_IN_FILE.match(str(p)) for p in e.problems), str(e)
            return False
        return True
    if door == "cli":
        line.draft.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = CliRunner().invoke(main, ["menu", "publish", str(line.draft)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        if result.exit_code == 0:
            return True
        *problems, last = result.output.strip().splitlines()
        assert last.startswith("Error: fuzz.yaml"), result.output
        assert all(LOCATED_IN_FILE.match(p) for p in problems), result.output
        assert LOCATED_IN_FILE.match(last.removeprefix("Error: ")) or problems, result.output
        return False
    answer = line.admin.post("/console/menu/publish", {"text": from_a_browser(text)})
    if answer.status_code == 302:
        assert flashed(line.admin, answer)[-1].startswith("Published")
        return True
    assert answer.status_code == 400, answer.status_code
    page = line.admin.text(answer)
    assert "Not published:" in page
    assert re.search(r"<li>(draft:\d+: |the menu has over)", page), page
    return False


def publish_words(line: Line, door: str, words: str) -> bool:
    if door == "console":
        answer = line.admin.post(
            "/console/words/goodbye/publish", {"words": from_a_browser(words)}
        )
        said = flashed(line.admin, answer)
        if said[-1].startswith("Published"):
            return True
        assert len(said) == 1 and said[0].startswith("Not saved: "), said
        assert re.search(r"with these words:\d+: |'goodbye'", said[0]), said
        return False
    try:
        text = set_text(line.live_text(), GOODBYE, words)
    except IvrError as e:  # the Words service's own refusal: nothing to say
        assert "'goodbye'" in str(e), str(e)
        return False
    return publish_menu(line, door, text)


def close(line: Line, door: str, reason: str) -> bool:
    if door == "service":
        try:
            line.store.set_closure("refuge_derby", ClosureRow("closed", UNTIL, reason), WHO)
        except IvrError as e:
            assert str(e).startswith("the reason"), str(e)
            return False
        return True
    if door == "cli":
        result = CliRunner().invoke(
            main,
            ["hours", "close", "refuge_derby", "--until", "2026-11-24 15:00", "--reason", reason],
        )
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        if result.exit_code == 0:
            return True
        assert result.output.startswith("Error: the reason"), result.output
        return False
    form = {"helpline": "refuge_derby", "until": "2026-11-24T15:00", "confirmed": "yes"}
    answer = line.admin.post("/console/hours/change", form | {"reason": from_a_browser(reason)})
    said = flashed(line.admin, answer)
    if answer.status_code == 302:
        assert said == ["Refuge is closed until Tuesday 24 November 15:00."], said
        return True
    assert answer.status_code == 400
    assert said == [said[0]] and said[0].startswith("Not saved: the reason"), said
    return False


class Failures(logging.Handler):
    """Every error the line logs: a fail-safe answer, a leg hung up, a failed count."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []
        self.addFilter(THIS_TESTS_THREADS)  # not earlier tests' apps, still polling

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logger = logging.getLogger("ivr")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def calls_are_the_lines_own(line: Line, failures: Failures) -> None:
    """Calls that hear every text: each answer parses as TwiML (the simulator refuses
    anything else), and none is the fail-safe."""
    line.app.extensions["ivr.live"].refresh()
    failures.seen.clear()
    nobody = Simulator(line.app, {"refuge_derby": "busy", "national_24h": "busy"}).call(["1"])
    assert nobody.ending == "goodbye", nobody.events
    assert [e for e in nobody.events if e.kind == "gather"]  # the menu, then the numbers
    answered = Simulator(line.app).call(["1"])
    assert answered.ending == "bridged", answered.events
    assert any(e.kind == "whisper" for e in answered.events)
    assert failures.seen == []


def test_whatever_staff_publish_every_call_answer_is_twiml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failures: Failures
) -> None:
    # Speech for changed texts is not what is tested here (and takes seconds a text):
    # publishing goes on without it, as it does where no engine is installed
    def no_speech(*args: object) -> list[str]:
        raise IvrError("no speech engine in the fuzz test")

    monkeypatch.setattr(publish_module, "build_into_store", no_speech)
    line = Line(tmp_path, monkeypatch)
    calls_are_the_lines_own(line, failures)

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(change=CHANGES, door=st.sampled_from(DOORS))
    def one(change: tuple[str, ...], door: str) -> None:
        if line.live_text() != BASE:  # each example starts from the same live menu
            line.store.publish(BASE, WHO, "the fuzz test's own menu again")
            line.app.extensions["ivr.live"].refresh()
        versions, closures = line.versions(), line.closures()
        kind, *rest = change
        if kind == "menu":
            field, value, style = rest
            if field == "greeting":
                value += " Dial 999."  # else nearly every greeting is refused for that alone
            taken = publish_menu(line, door, menu_text(**{field: quoted(value, style)}))
            assert line.versions() == versions + taken
        elif kind == "words":
            taken = publish_words(line, door, rest[0])
            assert line.versions() == versions + taken
        else:
            taken = close(line, door, rest[0])
            assert (line.closures() != closures) == taken
        outcomes[kind, door, "taken" if taken else "refused"] += 1
        try:
            calls_are_the_lines_own(line, failures)
        finally:
            if line.closures():
                line.store.clear_closures(WHO)

    outcomes: Counter[tuple[str, str, str]] = Counter()
    one()
    print(sorted(outcomes.items()))  # (pytest -s) what the examples came to
    assert {outcome for _, _, outcome in outcomes} == {"taken", "refused"}
