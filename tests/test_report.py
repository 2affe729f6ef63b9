"""The call report: anonymous hourly counts, exactly as calls went, small numbers hidden."""

from __future__ import annotations

import logging
from collections import Counter
from csv import reader
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.commands.main import main
from ivr.report import events
from ivr.report import tally as tally_module
from ivr.report.summary import OUTCOMES, read, suppress, tables
from ivr.report.tally import Tally
from ivr.simulate import Event, Simulator
from ivr.store.db import make_engine
from ivr.store.models import CallCount
from tests.helpers import BASE, NOON, TEST_DATABASE_URL, call_params, config, counted, sign

LINE = "+441632960001"  # the simulator's line (Ofcom drama range)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path))


def test_journeys_give_exactly_the_counts_expected(app: Flask) -> None:
    Simulator(app).call(["2", "1"])  # Derby City, Refuge: accepted
    Simulator(app, answers={"refuge_derby": "busy"}).call(["2", "1"])  # busy, then the 24/7 line
    Simulator(app, answers={"refuge_derby": "decline"}).call(["derby city", "1"])
    Simulator(app).call([None, None, None])  # silence to the limit, then the 24/7 line
    Simulator(app).call(["7", "hangup"])  # Polish, then hangs up in its main menu
    Simulator(app).call(["hangup"])  # hangs up during the greeting
    assert counted(app) == Counter(
        {
            ("call", ""): 6,
            # Twilio's status callback: every call ended, one before the greeting could have
            ("call ended", ""): 6,
            ("hung up in the greeting", "main"): 1,
            ("choice", "main.2"): 3,
            ("choice", "derby_city.1"): 3,
            ("by key", "main"): 3,
            ("by speech", "main"): 1,
            ("by key", "derby_city"): 3,
            ("transfer", "refuge_derby"): 3,
            ("accepted", "refuge_derby"): 1,
            ("busy", "refuge_derby"): 1,
            ("declined", "refuge_derby"): 1,
            ("transfer", "national_24h"): 3,
            ("accepted", "national_24h"): 3,
            # No time passes in a simulated call
            ("connected <30 s", "refuge_derby"): 1,
            ("connected <30 s", "national_24h"): 3,
            ("silence", "main"): 3,
            ("retry limit", "main"): 1,
            ("choice", "main.7"): 1,
            ("language", "Polish"): 1,
            # Refuge busy or declined: on to the 24/7 line
            ("on to the 24/7 line", "refuge_derby"): 2,
            # Heard 9 times (6 calls, 2 re-prompts after silence, 1 in Polish),
            # left 7: one caller hung up in the main menu, one in the greeting before it
            ("menu heard", "main"): 9,
            ("menu left", "main"): 7,
            ("menu heard", "derby_city"): 3,
            ("menu left", "derby_city"): 3,
        }
    )


def test_the_time_until_a_helpline_accepts_is_counted_in_bands(tmp_path: Path) -> None:
    now = [NOON]
    app = create_app(config(tmp_path, CLOCK=lambda: now[0]))

    def ring(event: Event) -> None:
        if event.kind == "dial":  # each helpline rings for 40 s before it answers
            now[0] += timedelta(seconds=40)

    Simulator(app, on_event=ring).call(["2", "1"])  # 40 s
    Simulator(app, answers={"refuge_derby": "busy"}, on_event=ring).call(["2", "1"])  # 80 s
    for _ in range(2):  # Refuge declines, the 24/7 line busy, then the numbers: never
        Simulator(app, answers={"refuge_derby": "decline", "national_24h": "busy"}).call(
            ["2", "1"]
        )
    times = {k: n for k, n in counted(app).items() if k[0].startswith("connected")}
    assert times == {
        ("connected 30-60 s", "refuge_derby"): 1,
        ("connected 60-90 s", "national_24h"): 1,
    }


@pytest.mark.parametrize(
    ("waited", "band"),
    [
        (0, "connected <30 s"),
        (29, "connected <30 s"),
        (30, "connected 30-60 s"),
        (89, "connected 60-90 s"),
        (119, "connected 90-120 s"),
        (120, "connected >120 s"),
        (4 * 3600, "connected >120 s"),
    ],
)
def test_the_bands_of_time_to_connect(waited: int, band: str) -> None:
    assert events.connected_in(waited) == band


def test_the_answer_time_travels_in_the_calls_urls_and_reaches_the_accept(app: Flask) -> None:
    answered = str(int(NOON.timestamp()))
    call = Simulator(app).call(["2", "1"])
    choose, dialled, whisper, accept = call.urls[1], call.urls[2], call.urls[3], call.urls[4]
    assert f"a={answered}" in choose and f"a={answered}" in dialled
    assert whisper.startswith("/voice/whisper?") and f"a={answered}&l=%2B441632960001" in whisper
    assert accept.startswith("/voice/whisper/accept?")
    assert f"h=refuge_derby&a={answered}&l=%2B441632960001" in accept


@pytest.mark.parametrize(
    "state",
    [
        {"h": "refuge_derby", "l": LINE},  # a URL from before the line sent answer times
        {"h": "refuge_derby", "a": "soon", "l": LINE},
        {"h": "refuge_derby", "a": str(int(NOON.timestamp()) + 60), "l": LINE},  # future
        {"h": "refuge_derby", "a": "1", "l": LINE},  # 1970
        {"h": "nobody", "a": str(int(NOON.timestamp())), "l": LINE},
        {"h": "refuge_derby", "a": str(int(NOON.timestamp())), "Digits": "2", "l": LINE},
    ],
)
def test_an_accept_without_a_sound_answer_time_counts_nothing(
    app: Flask, state: dict[str, str]
) -> None:
    # The parameter is shared by every run of the test (mutmut runs them twice): read, not popped
    digits = state.get("Digits", "1")
    query = "&".join(f"{k}={quote(v)}" for k, v in state.items() if k != "Digits")
    path = f"/voice/whisper/accept?t=0123456789abcdef&{query}"
    data = call_params(Digits=digits, To="+441332000000", From=LINE, Direction="outbound-dial")
    headers = {"X-Twilio-Signature": sign(BASE + path, data)}
    assert app.test_client().post(path, data=data, headers=headers).status_code == 200
    assert counted(app) == Counter()


def test_an_accept_counts_under_the_line_not_the_helplines_number(app: Flask) -> None:
    path = f"/voice/whisper/accept?h=refuge_derby&a={int(NOON.timestamp()) - 95}&l={quote(LINE)}"
    data = call_params(Digits="1", To="+441332000000", From=LINE, Direction="outbound-dial")
    headers = {"X-Twilio-Signature": sign(BASE + path, data)}
    assert app.test_client().post(path, data=data, headers=headers).status_code == 200
    assert counted(app) == Counter({("connected 90-120 s", "refuge_derby"): 1})


@pytest.mark.parametrize(
    ("ended", "counts"),
    [
        # The greeting plays for 5.5 s
        ({"CallDuration": "2"}, {("call ended", ""): 1, ("hung up in the greeting", "main"): 1}),
        ({"CallDuration": "5"}, {("call ended", ""): 1, ("hung up in the greeting", "main"): 1}),
        ({"CallDuration": "6"}, {("call ended", ""): 1}),
        ({"CallDuration": "1800"}, {("call ended", ""): 1}),
        ({"CallDuration": "six"}, {("call ended", ""): 1}),
        ({}, {("call ended", ""): 1}),
        ({"CallStatus": "canceled"}, {("not answered", "canceled"): 1}),
        ({"CallStatus": "no-answer"}, {("not answered", "no-answer"): 1}),
        ({"CallStatus": "in-progress"}, {}),
        # A helpline's leg ending is not the caller's call
        ({"CallDuration": "2", "Direction": "outbound-dial"}, {}),
        ({"CallDuration": "2", "ParentCallSid": "CA" + "1" * 32}, {}),
    ],
)
def test_twilios_status_callback_counts_how_calls_end(
    app: Flask, ended: dict[str, str], counts: dict[tuple[str, str], int]
) -> None:
    data = call_params(**({"CallStatus": "completed"} | ended))
    headers = {"X-Twilio-Signature": sign(BASE + "/voice/status", data)}
    answer = app.test_client().post("/voice/status", data=data, headers=headers)
    assert (answer.status_code, answer.mimetype) == (200, "text/xml")
    assert "<Response" in answer.get_data(as_text=True)
    assert counted(app) == Counter(counts)


def test_hang_ups_in_the_greeting_are_not_counted_again_in_the_home_menu(app: Flask) -> None:
    for _ in range(5):
        Simulator(app).call(["hangup"])  # during the greeting
        Simulator(app).call([None, "hangup"])  # in the main menu, heard after silence
    counted(app)
    found = tables(read(app.extensions["ivr.store"].engine, NOON.date(), NOON.date()), "month")
    where = found[3]
    assert where.columns == ["went on", "hung up in the greeting", "hung up", "total"]
    assert dict(zip(where.rows, where.shown, strict=False)) == {"main": ["5", "5", "5", "15"]}


def test_a_trial_from_the_console_is_not_a_call(app: Flask) -> None:
    Simulator(app, trial=True).call(["2", "1"])
    assert counted(app) == Counter()


def test_the_report_command_suppresses_small_numbers(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(6):
        Simulator(app).call(["2", "1"])
    Simulator(app, answers={"refuge_derby": "busy"}).call(["2", "1"])
    counted(app)
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    day = NOON.date().isoformat()  # the calls' day on the app's clock, not today's
    result = CliRunner().invoke(main, ["report", "--by", "month", "--from", day, "--to", day])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    month = lines[3].split()[0]
    heading = "calls  ended  hung up in greeting  not answered  choices  transfers  accepted"
    assert lines[2].startswith("Calls ") and heading in lines[2]
    assert lines[3].split()[:8] == [month, "7", "7", "0", "0", "14", "8", "7"]
    helplines = result.output.split("\n\n")[2]
    assert [line.split() for line in helplines.splitlines()[1:]] == [
        ["national_24h", "<5", "0", "0", "0", "0", "0", "0", "<5"],
        # 6 and 7 hidden too: else 7 - 6 and 8 - 7 would give the two small ones away
        ["refuge_derby", "*", "0", "0", "<5", "0", "0", "0", "*"],
        ["total", "*", "0", "0", "<5", "0", "0", "0", "8"],
    ]
    csv = CliRunner().invoke(main, ["report", "--csv", "--by", "month", "--from", day]).output
    assert "refuge_derby,*,0,0,<5,0,0,0,*" in csv
    titles = ("Calls", "Transfers per helpline", "Menu choices (menu × key)")
    titles += ("Where callers hang up (menu heard)", "Calls by day and hour")
    for row in reader(csv.splitlines()):
        if row and row[0] not in titles:  # (a heading names the keys: 1, 2...)
            assert not any(v.isdigit() and 0 < int(v) < 5 for v in row[1:]), row
    bad = CliRunner().invoke(main, ["report", "--from", "yesterday"])
    assert bad.exit_code == 2 and "'yesterday' is not a date like 2026-12-24" in bad.output
    backwards = CliRunner().invoke(main, ["report", "--from", "2026-11-02", "--to", "2026-11-01"])
    assert backwards.exit_code == 2 and "--from 2026-11-02 is after --to 2026-11-01" in (
        backwards.output
    )


@settings(max_examples=300, deadline=None)
@given(
    cells=st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 12), min_size=width, max_size=width), min_size=1, max_size=5
        )
    ),
    row_totals=st.booleans(),
)
def test_no_small_number_can_be_seen_or_worked_out(
    cells: list[list[int]], row_totals: bool
) -> None:
    shown = suppress(cells, row_totals)
    width = len(cells[0])
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(r[j] for r in full) for j in range(width + 1)])
    if not row_totals:
        full = [row[:-1] for row in full]
    for i, row in enumerate(full):
        for j, n in enumerate(row):
            if 0 < n < 5:
                assert shown[i][j] == "<5"
            elif shown[i][j] not in ("<5", "*"):
                assert shown[i][j] == str(n)
    # No row or column (with its total) hides exactly one cell: it could be subtracted
    columns = [[shown[i][j] for i in range(len(shown))] for j in range(len(shown[0]))]
    lines = columns + (shown if row_totals else [])
    for line in lines:
        assert sum(v in ("<5", "*") for v in line) != 1, (cells, shown)


def test_a_database_that_is_down_loses_counts_never_calls(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    down = Tally(make_engine("postgresql+psycopg://nobody:x@127.0.0.1:9/none"))
    down.add(LINE, "call")
    down.add(LINE, "call")
    with caplog.at_level(logging.ERROR):
        assert not down.flush()
        assert not down.flush()  # said once
    assert [r.getMessage() for r in caplog.records] == [
        "counts cannot be written (OperationalError): they wait in memory"
    ]
    assert sum(down.waiting.values()) == 2  # kept for when it is back
    monkeypatch.setattr(tally_module, "MAX_WAITING", 1)
    down.add(LINE, "choice", "main.2")  # a new counter beyond the limit: dropped
    assert down.dropped == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        down.flush()
    assert caplog.records[0].getMessage() == (
        "1 counts were dropped while the store could not be reached"
    )


def test_counts_come_back_when_the_store_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ivr.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'later.sqlite3'}"
    counts = Tally(make_engine(url))
    counts.add(LINE, "call")
    assert not counts.flush()  # no schema yet: as good as down
    upgrade(url)
    with caplog.at_level(logging.WARNING):
        assert counts.flush()
    assert caplog.records[-1].getMessage() == "counts are written again"
    with Session(counts.engine) as session:
        assert session.scalar(select(CallCount.count)) == 1


def test_a_flush_returns_once_a_write_under_way_is_written(tmp_path: Path) -> None:
    """The background writer may have taken the counts and still be writing them: a flush
    then (the tests', or a worker's at exit) waits for it rather than return at once with
    nothing to write, while the counts are not yet in the store. Seen under load: the
    console's report, asked just after a flush, showed no calls at all."""
    import threading

    from ivr.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'counts.sqlite3'}"
    upgrade(url)
    counts = Tally(make_engine(url))
    writing, release = threading.Event(), threading.Event()
    real = counts.counts.add

    def slow(waiting: Counter[tally_module.Key]) -> None:
        writing.set()
        release.wait(5)
        real(waiting)

    counts.counts.add = slow  # type: ignore[method-assign]
    counts.add(LINE, "call")
    background = threading.Thread(target=counts.flush)
    background.start()
    assert writing.wait(5)
    returned = threading.Event()
    asked = threading.Thread(target=lambda: (counts.flush(), returned.set()))
    asked.start()
    assert not returned.wait(0.3)  # the write under way is not finished
    release.set()
    assert returned.wait(5)
    background.join(5)
    asked.join(5)
    with Session(counts.engine) as session:
        assert session.scalar(select(CallCount.count)) == 1


def test_a_hundred_calls_leave_no_number_or_call_id_anywhere(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    callers = [f"+4477009000{n:02d}" for n in range(100)]
    sids = []
    with caplog.at_level(logging.DEBUG):
        for n, caller in enumerate(callers):
            simulator = Simulator(app, caller=caller)
            keys = [["2", "1"], ["3", "1"], [None, None, None], ["4", "hangup"]][n % 4]
            call = simulator.call(keys)
            assert call.urls
            sids.append(f"CA{n + 1:032d}")
    assert counted(app)["call", ""] == 100
    engine = app.extensions["ivr.store"].engine
    metadata = MetaData()
    metadata.reflect(engine)
    everything = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                everything.append(" ".join(str(v) for v in row))
    stored = "\n".join(everything) + caplog.text
    for caller in callers:
        for form in (caller, caller.replace("+44", "0"), caller[1:]):
            assert form not in stored
    for sid in sids:
        assert sid not in stored
    assert "CA0000" not in stored


def test_periods_by_hour_and_week(app: Flask) -> None:
    from ivr.report.summary import read, tables

    Simulator(app).call(["2", "1"])
    counted(app)
    engine = app.extensions["ivr.store"].engine
    from tests.helpers import NOON  # the app's clock, never the wall's

    today = NOON.date()
    by_hour = tables(read(engine, today, today), "hour")[0]
    assert by_hour.rows == [f"{NOON:%Y-%m-%d %H}:00"]
    by_week = tables(read(engine, today, today), "week")[0]
    assert by_week.rows[0].endswith(" (week)")


def test_the_writer_runs_once_per_process_and_at_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    upgrade(url)
    counts = Tally(make_engine(url), interval=60)
    counts.start()
    counts.start()  # once is enough
    assert counts in tally_module._RUNNING
    counts.add(LINE, "call")
    tally_module._write_at_exit()  # as the process stops: nothing held is lost
    assert counts.waiting == Counter()
    first = counts._writer.thread
    monkeypatch.setattr("ivr.store.repeat.os.getpid", lambda: -7)  # a fork: a writer of its own
    counts.start()
    assert counts._writer.thread is not first


def test_counts_over_the_limit_are_dropped_when_they_cannot_be_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    down = Tally(make_engine("postgresql+psycopg://nobody:x@127.0.0.1:9/none"))
    for n in range(3):
        down.add(LINE, "choice", f"main.{n}")
    monkeypatch.setattr(tally_module, "MAX_WAITING", 2)
    assert not down.flush()
    assert len(down.waiting) == 2 and down.dropped == 1


def test_where_a_transfer_goes_when_a_helpline_does_not_answer(app: Flask) -> None:
    from datetime import timedelta

    from ivr.store.rows import ClosureRow, Who
    from tests.helpers import NOON, sign

    store = app.extensions["ivr.store"]
    store.set_closure(
        "refuge_derby", ClosureRow("closed", NOON + timedelta(days=1)), Who("t", "cli")
    )
    app.extensions["ivr.live"].refresh()
    Simulator(app, answers={"national_24h": "busy"}).call(["2", "1"])
    from tests.helpers import call_params

    path = "/voice/dialled?m=derby_city&k=1&n=0"
    params = call_params(DialCallStatus="completed", CallStatus="completed")
    app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign("http://localhost" + path, params)}
    )
    found = counted(app)
    assert found["skipped: closed", "refuge_derby"] == 1
    assert found["busy", "national_24h"] == 1
    assert found["on to numbers", "national_24h"] == 1
    assert found["numbers read", ""] == 1
    assert found["caller hung up while ringing", "refuge_derby"] == 1


def test_staff_recording_calls_are_counted(app: Flask) -> None:
    from tests.helpers import call_params, sign

    params = call_params()
    app.test_client().post(
        "/staff",
        data=params,
        headers={"X-Twilio-Signature": sign("http://localhost/staff", params)},
    )
    assert counted(app)["staff recording call", ""] == 1


def test_ivr_simulate_is_counted_as_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal's simulated call writes its counts before the command ends."""
    from ivr.report.summary import read, tables
    from ivr.store.db import shared_engine
    from tests.helpers import REPO_MENU

    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PROMPTS_DIR", str(REPO_MENU.parent / "prompts"))
    monkeypatch.setenv("IVR_MENU", str(REPO_MENU))  # the line's own (--menu: a draft, not counted)
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    for _ in range(5):
        result = CliRunner().invoke(main, ["simulate", "--keys", "2, 1"])
        assert result.exit_code == 0, result.output
    from ivr.store.db import database_url

    engine = shared_engine(database_url())
    from datetime import datetime

    from ivr.menu.hours import LONDON

    today = datetime.now(LONDON).date()
    calls = tables(read(engine, today, today), "day")[0]
    # calls, ended, hung up in the greeting, not answered, choices, transfers, accepted
    assert calls.shown[0][:7] == ["5", "5", "0", "0", "10", "5", "5"]


def test_every_option_of_every_menu_is_counted_once(app: Flask) -> None:
    """A call per option, reached by its menu's key path: each choice counted exactly once."""
    menu = app.extensions["ivr.line"].renderer.menu
    home = menu.settings.home
    paths: dict[str, list[str]] = {home: []}  # menu -> the keys that reach it
    queue = [home]
    while queue:  # breadth first: the shortest path to each menu
        node_id = queue.pop(0)
        for o in menu.nodes[node_id].options:
            if o.goto and o.goto not in paths:
                paths[o.goto] = [*paths[node_id], o.key]
                queue.append(o.goto)
    expected: Counter[tuple[str, str]] = Counter()
    for node_id, keys in paths.items():
        for o in menu.nodes[node_id].options:
            Simulator(app).call([*keys, o.key, "hangup"])
            where = home
            for key in [*keys, o.key]:
                expected["choice", f"{where}.{key}"] += 1
                where = menu.nodes[where].option(key).goto or where  # type: ignore[union-attr]
    found = {k: n for k, n in counted(app).items() if k[0] == "choice"}
    assert found == expected
    every = {f"{n}.{o.key}" for n in paths for o in menu.nodes[n].options}
    assert {subject for _, subject in found} == every


@pytest.mark.parametrize(
    ("answer", "outcome", "quirks"),
    [
        ("accept", "accepted", frozenset()),
        # Twilio's action after a caller who talked hangs up: CallStatus=completed
        ("accept-caller-ends", "accepted", frozenset()),
        ("decline", "declined", frozenset()),
        ("voicemail", "declined", frozenset()),
        ("busy", "busy", frozenset()),
        ("no-answer", "no-answer", frozenset()),
        ("failed", "failed", frozenset()),
        ("canceled", "canceled", frozenset()),
        # Twilio did not say whether it was bridged: counted as answered
        ("accept", "answered", frozenset({"no-dial-bridged"})),
    ],
)
def test_every_helpline_outcome_is_counted(
    app: Flask, answer: str, outcome: str, quirks: frozenset[str]
) -> None:
    Simulator(app, answers={"refuge_derby": answer}, quirks=quirks).call(["2", "1"])
    found = counted(app)
    assert found["transfer", "refuge_derby"] == 1
    ends = {m for m, s in found if s == "refuge_derby" and m in OUTCOMES}
    assert ends == {outcome}
