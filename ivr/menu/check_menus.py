"""The checks of menus.yaml's `menus:`: each menu, its options and keys, and where each
option leads (every menu reached from the home menu, every chain ending at the 24/7 line)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ivr.menu import speech
from ivr.menu.keywords import grammatical_word
from ivr.menu.model import KEYS, Settings
from ivr.menu.source import Path_

if TYPE_CHECKING:
    from ivr.menu.check import _Checker

ID = re.compile(r"[a-z][a-z0-9_]*")  # the whole id: fullmatch (a "$" lets "main\n" by)
KEY_NAMES = ("operator_key", "repeat_key", "back_key")
KEPT_FOR = {
    "operator_key": "speaking to someone now",
    "repeat_key": "hearing the menu again",
    "back_key": "going back",
}
MENU_KEYS = ("title", "say", "sms", "options")
OPTION_KEYS = ("label", "keywords", "goto", "transfer", "when_closed", "sms")


def kind_of(value: Any) -> str:
    """What a value of the file is, in a staff member's words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else "text"


def listed(values: Any) -> str:
    """Values as a message lists them ("none" for none)."""
    return ", ".join(values) if values else "none"


class MenuChecks:
    """Checks the `menus:` section, for one _Checker (its errors, its helplines)."""

    def __init__(self, checker: _Checker) -> None:
        self.checker = checker

    def menus(
        self, data: dict[str, Any], settings: dict[str, Any], helplines: dict[str, Any]
    ) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for nid, node in data.items():
            path = ("menus", nid)
            if not ID.fullmatch(nid):
                self.checker.error(
                    path, f"'{nid}' is not a valid id (use lower case letters, digits, _)"
                )
            node = self.checker.mapping(path, node, "a mapping with say and options")
            self.checker.unknown_keys(path, node, MENU_KEYS)
            entry: dict[str, Any] = {}
            for name in ("title", "say", "sms"):
                value = self.checker.text((*path, name), node.get(name), required=False)
                if value is not None and self.checker.placeholders(
                    (*path, name), value, (), helplines
                ):
                    entry[name] = value
            options = self.checker.mapping(
                (*path, "options"), node.get("options"), "a mapping of keys"
            )
            if not options and "say" not in node:
                self.checker.error(path, "a menu needs 'say:' text, 'options:', or both")
            entry["options"] = self.options(path, options, settings, helplines)
            clean[nid] = entry
        return clean

    def options(
        self,
        path: Path_,
        data: dict[str, Any],
        settings: dict[str, Any],
        helplines: dict[str, Any],
    ) -> dict[str, Any]:
        reserved = {settings.get(k, getattr(Settings, k)): KEPT_FOR[k] for k in KEY_NAMES}
        free = [k for k in KEYS if k not in reserved]
        heard: dict[tuple[str, ...], str] = {
            speech.tokens(w): f"the {action} key"
            for action, ws in speech.RESERVED_WORDS.items()
            for w in ws
        }
        clean: dict[str, Any] = {}
        for key, option in data.items():
            opath = (*path, "options", key)
            if key in reserved:
                kept = reserved[key]
                self.checker.error(
                    opath,
                    f"key {key} is kept for {kept} in every menu (free keys: {' '.join(free)})",
                )
            elif key not in KEYS or len(key) != 1:
                self.checker.error(
                    opath, f"'{key}' is not a phone key (free keys: {' '.join(free)})"
                )
            option = self.checker.mapping(
                opath, option, "a mapping with label and goto or transfer"
            )
            self.checker.unknown_keys(opath, option, OPTION_KEYS)
            entry: dict[str, Any] = {
                "label": self.checker.text((*opath, "label"), option.get("label"))
            }
            if "sms" in option:
                entry["sms"] = self.checker.text((*opath, "sms"), option["sms"])
            keywords = option.get("keywords") or []
            if not isinstance(keywords, list):
                self.checker.error(
                    (*opath, "keywords"), f"expected a list of words, got {kind_of(keywords)}"
                )
                keywords = []
            entry["keywords"] = []
            for i, word in enumerate(keywords):
                wpath = (*opath, "keywords", str(i))
                text = self.checker.text(wpath, word)
                if text is None:
                    continue
                owner = heard.setdefault(speech.tokens(text), f"option {key}")
                if owner != f"option {key}":
                    self.checker.error(wpath, f"'{text}' is already said for {owner}")
                elif grammatical_word(text, ""):
                    self.checker.error(wpath, grammatical_word(text, ""))
                entry["keywords"].append(text)
            self.action(opath, option, entry, settings, helplines)
            if "when_closed" in option:
                if option["when_closed"] not in ("say", "hide"):
                    self.checker.error((*opath, "when_closed"), "expected say or hide")
                elif "transfer" not in option:
                    self.checker.error(
                        (*opath, "when_closed"), "only an option with transfer: can be hidden"
                    )
                else:
                    entry["when_closed"] = option["when_closed"]
            clean[key] = entry
        return clean

    def action(
        self,
        path: Path_,
        option: dict[str, Any],
        entry: dict[str, Any],
        settings: dict[str, Any],
        helplines: dict[str, Any],
    ) -> None:
        if ("goto" in option) == ("transfer" in option):
            self.checker.error(
                path, "an option needs exactly one of 'goto:' (a menu) or 'transfer:' (helplines)"
            )
            return
        if "goto" in option:
            entry["goto"] = self.checker.text((*path, "goto"), option["goto"])
            return
        chain = option["transfer"]
        chain = [chain] if isinstance(chain, str) else chain
        if not isinstance(chain, list) or not chain:
            self.checker.error(
                (*path, "transfer"), f"expected a list of helplines, got {kind_of(chain)}"
            )
            return
        entry["transfer"] = chain
        operator = settings.get("operator", Settings.operator)
        for i, hid in enumerate(chain):
            hpath = (*path, "transfer", str(i)) if len(chain) > 1 or i else (*path, "transfer")
            if hid not in self.checker.declared:
                known = listed(sorted(self.checker.declared))
                self.checker.error(hpath, f"unknown helpline '{hid}' (known: {known})")
            elif hid not in helplines:
                continue  # reported where the helpline is written
            elif not helplines[hid].get("dial", True):
                self.checker.error(
                    hpath, f"helpline '{hid}' has dial: false and cannot take a transfer"
                )
            elif hid in chain[:i]:
                self.checker.error(hpath, f"helpline '{hid}' is already earlier in this chain")
        if operator in self.checker.declared and chain[-1] != operator:
            self.checker.error(
                (*path, "transfer"),
                f"a transfer chain must end with the 24/7 line '{operator}', got '{chain[-1]}'",
            )

    def references(
        self, settings: dict[str, Any], helplines: dict[str, Any], menus: dict[str, Any]
    ) -> None:
        home = settings.get("home", Settings.home)
        operator = settings.get("operator", Settings.operator)
        if menus and home not in menus:
            self.checker.error(
                ("settings", "home"), f"unknown menu '{home}' (known: {listed(sorted(menus))})"
            )
        if self.checker.declared and operator not in self.checker.declared:
            known = listed(sorted(self.checker.declared))
            self.checker.error(
                ("settings", "operator"), f"unknown helpline '{operator}' (known: {known})"
            )
        elif operator in helplines and not helplines[operator].get("dial", True):
            self.checker.error(("settings", "operator"), f"helpline '{operator}' has dial: false")
        for nid, node in menus.items():
            for key, option in node["options"].items():
                target = option.get("goto")
                if target is not None and target not in menus:
                    self.checker.error(
                        ("menus", nid, "options", key, "goto"),
                        f"unknown menu '{target}' (known: {listed(sorted(menus))})",
                    )
        seen = {home} if home in menus else set()
        queue = list(seen)
        while queue:
            for option in menus[queue.pop()]["options"].values():
                target = option.get("goto")
                if target in menus and target not in seen:
                    seen.add(target)
                    queue.append(target)
        for nid in menus:
            if seen and nid not in seen:
                self.checker.error(
                    ("menus", nid), f"no option leads here from the home menu '{home}'"
                )
