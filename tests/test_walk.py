"""Every path through the shipped menu, with every helpline outcome at every step.

The call is a finite graph: each state is a request Twilio would make. From the answer
to a new call, every key, silence, a word and a wrong word at each menu, and every way
a helpline can answer each dial, are followed until nothing new is reached.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass

import pytest
from flask import Flask

from ivr import create_app
from ivr.menu.load import load_menu
from ivr.simulate import ACCOUNT, ANSWERS, CALLER, LINE, Call, Simulator
from tests.helpers import REPO_MENU, config

MENU = load_menu(REPO_MENU)

# Keys, silence, words of each language's menus, and words of none
INPUTS: list[str | None] = [
    *"0123456789*",
    "#",
    None,
    "derby city",
    "miasto derby",
    "ਡਰਬੀ ਸ਼ਹਿਰ",
    "polski",
    "what is this",
]
OPERATOR = "+448082000247"
MAX_DEPTH = 40  # requests on the longest shortest path from the start
SILENT_STEPS = 12  # requests a silent caller makes, every helpline busy, before the end


@dataclass(frozen=True)
class State:
    """A request Twilio would make: URL, method and the parameters of this step."""

    url: str
    method: str
    extra: tuple[tuple[str, str], ...]


START = State("/voice", "POST", ())


@dataclass
class Graph:
    """Each state's TwiML, and where each input and helpline answer leads from it."""

    roots: dict[State, ET.Element]
    edges: dict[State, dict[str, State | Call]]


class Walker(Simulator):
    """The simulator, fetching each audio URL once: Twilio caches the media it plays, and
    the walk would otherwise fetch the same few hundred files about a million times (every
    answer reached, at every input). Every URL handed out is still fetched and checked."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self._fetched: dict[str, tuple[str, float] | None] = {}
        # Every helpline stays healthy through the walk: its thousands of "failed" and
        # "busy" answers would otherwise make some failing part way, at whatever moment
        # the helpline watch's thread writes them (its own tests walk those paths)
        app.extensions["ivr.watch"].heard = lambda helpline_id, result: None

    def _fetch_audio(self, url: str) -> tuple[str, float] | None:
        if url not in self._fetched:
            self._fetched[url] = super()._fetch_audio(url)
        return self._fetched[url]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    app = create_app(config(tmp_path_factory.mktemp("walk")))
    simulator = Walker(app)
    base = {"CallSid": "CA" + "0" * 32, "From": CALLER, "To": LINE, "AccountSid": ACCOUNT}
    base["CallStatus"] = "in-progress"
    found = Graph({}, {})
    queue = deque([START])
    while queue:
        state = queue.popleft()
        if state in found.roots:
            continue
        root = simulator.request(state.url, state.method, base | dict(state.extra))
        found.roots[state] = root
        found.edges[state] = {}
        tags = {verb.tag for verb in root}
        for answer in ANSWERS if "Dial" in tags else ("accept",):
            simulator.answers = {hid: answer for hid in simulator.menu.helplines}
            for said in INPUTS if "Gather" in tags else [None]:
                call = Call()
                step = simulator._execute(call, root, state.url, base, lambda said=said: said)
                if isinstance(step, tuple):
                    # Each ring has a random token: one stands for all, or no walk would end
                    url = re.sub(r"([?&]t=)[0-9a-f]{16}", r"\g<1>0000000000000000", step[0])
                    target = State(url, step[1], tuple(sorted(step[2].items())))
                    found.edges[state][f"{answer}/{said}"] = target
                    queue.append(target)
                else:
                    found.edges[state][f"{answer}/{said}"] = call
    return found


def test_the_graph_is_finite_and_large(graph: Graph) -> None:
    transitions = sum(len(e) for e in graph.edges.values())
    print(f"walk: {len(graph.roots)} states, {transitions} transitions")
    assert 100 < len(graph.roots) < 30000
    # Every language is walked: some state of each is reached
    assert {language_of(state) for state in graph.roots} == {"", *MENU.languages}


def test_every_path_ends_bridged_or_with_a_spoken_goodbye(graph: Graph) -> None:
    endings = bridged_endings = 0
    for state, edges in graph.edges.items():
        for label, target in edges.items():
            if isinstance(target, Call):
                endings += 1
                texts = [e.text for e in target.events]
                # A hang-up right after the goodbye, in the call's language, never
                # silence or a dead end
                goodbye = MENU.speaking(language_of(state)).prompts["goodbye"]
                assert target.kinds()[-1] == "hangup", (state, label, target.kinds())
                if {("DialBridged", "true"), ("CallStatus", "completed")} <= set(state.extra):
                    # The caller was put through and has since hung up: nothing is left
                    # to say, to nobody
                    assert target.kinds() == ["hangup"], (state, label, target.kinds())
                    bridged_endings += 1
                    continue
                assert texts[-2] == goodbye, (state, label, texts)
    print(f"walk: {endings} endings, all with a goodbye or after the caller was put through")
    assert endings > 100
    # The caller hanging up after being put through is walked, in every language
    assert bridged_endings >= len(MENU.languages)


def test_no_path_without_progress_goes_on_for_ever(graph: Graph) -> None:
    # From every state, a caller who stays silent while every helpline is busy reaches the end
    longest = 0
    for state in graph.edges:
        steps, current = 0, state
        while isinstance(current, State):
            steps += 1
            assert steps <= SILENT_STEPS, f"silence from {state} goes on past {SILENT_STEPS}"
            edges = graph.edges[current]
            current = edges.get("busy/None") or edges["accept/None"]
        longest = max(longest, steps)
    print(f"walk: a silent caller reaches the end within {longest} requests from anywhere")


def test_every_state_is_near_the_start(graph: Graph) -> None:
    depth = {START: 0}
    queue = deque([START])
    while queue:
        state = queue.popleft()
        for target in graph.edges[state].values():
            if isinstance(target, State) and target not in depth:
                depth[target] = depth[state] + 1
                queue.append(target)
    assert set(depth) == set(graph.roots)
    print(f"walk: every state within {max(depth.values())} requests of the start")
    assert max(depth.values()) <= MAX_DEPTH


def test_the_24_7_line_is_one_key_away_from_every_menu(graph: Graph) -> None:
    menus = set()
    for state, root in graph.roots.items():
        gather = root.find("Gather")
        action = gather.get("action", "") if gather is not None else ""
        if not action.startswith("/voice/choose"):
            continue
        menus.add((action.split("m=")[1].split("&")[0], language_of(state, action)))
        after_0 = graph.edges[state]["accept/0"]
        assert isinstance(after_0, State)
        number = graph.roots[after_0].find("Dial/Number")
        assert number is not None and number.text == OPERATOR, action
    assert len(menus) == 12 * (1 + len(MENU.languages))


def language_of(state: State, url: str = "") -> str:
    """The call's language, as its URL carries it ("" for English)."""
    found = re.search(r"[?&]g=([a-z]+)", url or state.url)
    return found.group(1) if found else ""


def test_every_play_the_line_hands_out_answers_with_audio(
    graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Twilio does not skip a <Play> it cannot fetch: it ends the call with an application
    error. Every audio URL of every answer reached, the caller's and each helpline's
    whisper (answered with 1 and with silence), is fetched as Twilio fetches it."""
    app = create_app(config(tmp_path_factory.mktemp("plays")))
    simulator = Simulator(app)
    urls = {verb.text or "" for root in graph.roots.values() for verb in root.iter("Play")}
    whispers = {
        number.get("url", "")
        for root in graph.roots.values()
        for number in root.iter("Number")
        if number.get("url")
    }
    for whisper in sorted(whispers):
        leg = {"CallSid": "CA" + "1" * 32, "From": LINE, "To": OPERATOR, "AccountSid": ACCOUNT}
        leg |= {"Direction": "outbound-dial", "ParentCallSid": "CA" + "0" * 32}
        for key in ("1", None):
            call = Call()
            simulator._run(call, whisper, "POST", leg, lambda key=key: key)
            assert "application-error" not in call.kinds(), (whisper, call.events)
            urls |= {e.url for e in call.events if e.kind == "play"}
    client = app.test_client()
    answers = {}
    for url in sorted(urls):
        with client.get(url) as answer:
            answers[url] = (answer.status_code, answer.mimetype, answer.get_data()[:4])
    print(f"walk: {len(urls)} audio URLs handed out, {len(whispers)} whisper legs, all fetched")
    assert len(urls) > 50
    assert answers == {url: (200, "audio/wav", b"RIFF") for url in urls}
