"""The checks of menus.yaml's `helplines:`: ids, names and UK numbers (one name with two
numbers is asked about), the flags, opening hours and the text line's own words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr.menu.check_menus import ID, kind_of
from ivr.menu.hours import Hours, hours_from
from ivr.menu.numbers import is_uk, number_problem
from ivr.menu.source import Path_

if TYPE_CHECKING:
    from ivr.menu.check import _Checker

HELPLINE_KEYS = (
    "name",
    "number",
    "dial",
    "show_caller_number",
    "interpreter",
    "hours",
    "text_line",
    "sms",
)


class HelplineChecks:
    """Checks the `helplines:` section, for one _Checker (its errors)."""

    def __init__(self, checker: _Checker) -> None:
        self.checker = checker

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        names: dict[str, tuple[str, str]] = {}
        for hid, h in data.items():
            path = ("helplines", hid)
            if not ID.fullmatch(hid):
                self.checker.error(
                    path, f"'{hid}' is not a valid id (use lower case letters, digits, _)"
                )
            h = self.checker.mapping(path, h, "a mapping with name and number")
            self.checker.unknown_keys(path, h, HELPLINE_KEYS)
            name = self.checker.text((*path, "name"), h.get("name"))
            number = self.checker.text((*path, "number"), h.get("number"))
            entry: dict[str, Any] = {"name": name, "number": number}
            for flag in ("dial", "show_caller_number", "interpreter"):
                if flag in h:
                    if isinstance(h[flag], bool):
                        entry[flag] = h[flag]
                    else:
                        self.checker.error(
                            (*path, flag), f"expected true or false, got {kind_of(h[flag])}"
                        )
            if "hours" in h:
                entry["hours"] = self.hours((*path, "hours"), h["hours"], hid)
            for key in ("text_line", "sms"):
                if key in h:
                    entry[key] = self.checker.text((*path, key), h[key])
            if (
                name is None
                or number is None
                or bad_number(self.checker, (*path, "number"), number)
            ):
                continue
            if entry.get("dial", True) and not is_uk(number):
                self.checker.error(
                    (*path, "number"),
                    f"'{number}' is not a UK number: each transfer to it is an international "
                    "call, which Twilio may refuse (check it is the service's own number)",
                    warning=True,
                )
            clean[hid] = entry
            same = " ".join(name.casefold().split())
            if same in names and names[same][1] != "".join(number.split()):
                other, _ = names[same]
                self.checker.error(
                    (*path, "number"),
                    f"'{name}' also has number {data[other]['number']} (helplines.{other}): "
                    "check which is right",
                    warning=True,
                )
            names.setdefault(same, (hid, "".join(number.split())))
        return clean

    def hours(self, path: Path_, data: Any, hid: str) -> Hours | None:
        hours, errors = hours_from(data)
        for subpath, message in errors:
            self.checker.error((*path, *subpath), message)
        if hours is not None and not hours.confirmed:
            msg = (
                f"the hours of '{hid}' are not confirmed: "
                "check them with the service, then set confirmed: true"
            )
            self.checker.error(path, msg, warning=True)
        return hours


def bad_number(checker: _Checker, path: Path_, number: str) -> bool:
    """Report a number that cannot be a real UK line; True if it was."""
    problem = number_problem(number)
    if problem:
        checker.error(path, problem)
    return problem is not None
