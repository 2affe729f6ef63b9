"""The report: names from menus.yaml never run as a spreadsheet's formula, and choices by
key and by speech are shown apart (issue 20, item 18)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from ivr.report import events
from ivr.report.summary import spreadsheet_cell, tables, write_csv
from ivr.store.models import CallCount

HOUR = datetime(2026, 11, 24, 12, tzinfo=UTC)
LINE = "+441632960001"


def count(metric: str, subject: str, n: int) -> CallCount:
    return CallCount(hour=HOUR, line=LINE, metric=metric, subject=subject, count=n)


def exported(counts: list[CallCount]) -> list[list[str]]:
    out = io.StringIO()
    write_csv(tables(counts, "day"), out)
    return list(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x","Polish")', "+1+1", "-1+1", "@SUM(A1)", "\tPolish", "\rPolish"],
)
def test_a_name_that_starts_like_a_formula_is_quoted(name: str) -> None:
    rows = exported([count(events.LANGUAGE, name, 6), count(events.CALL, "", 6)])
    cells = [cell for row in rows for cell in row]
    assert "'" + name in cells
    assert name not in cells


def test_other_cells_are_as_they_were() -> None:
    assert spreadsheet_cell("Polish") == "Polish"
    assert spreadsheet_cell("<5") == "<5"
    assert spreadsheet_cell("30-60 s") == "30-60 s"
    assert spreadsheet_cell("") == ""


def test_choices_by_key_and_by_speech_are_shown_apart() -> None:
    counts = [
        count(events.CHOICE, "main.2", 13),
        count(events.BY_KEY, "main", 7),
        count(events.BY_SPEECH, "main", 6),
        count(events.BY_KEY, "derby_city", 9),
    ]
    table = next(t for t in tables(counts, "day") if "by speech" in t.title)
    assert table.title == "Menu choices by key and by speech (menu)"
    assert table.columns == ["by key", "by speech", "total"]
    assert dict(zip([*table.rows, "total"], table.shown, strict=True)) == {
        "derby_city": ["9", "0", "9"],
        "main": ["7", "6", "13"],
        "total": ["16", "6", "22"],
    }
