"""The checks of every text of menus.yaml's other languages: each beside its English one,
with the same placeholders, and keywords a caller may say."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr.menu.check_languages import (
    NOT_CONFIRMED,
    OPTIONAL,
    TRANSLATED_PROMPTS,
    Texts,
    word_list,
)
from ivr.menu.check_sms import sms_text
from ivr.menu.keywords import SharedKeywords, grammatical_word
from ivr.menu.languages import LANGUAGE_PROMPTS, Language
from ivr.menu.model import DEFAULT_PROMPTS
from ivr.menu.source import Path_
from ivr.menu.texts import COMMON, placeholders

if TYPE_CHECKING:
    from ivr.menu.check import _Checker


class TranslationChecks:
    """Checks every translated text, for one _Checker (its errors, its texts found)."""

    def __init__(self, checker: _Checker, found: Texts) -> None:
        self.checker = checker
        self.found = found
        self.error = checker.error

    def texts(self, lang: Language, clean: dict[str, Any]) -> dict[str, Any]:
        """A language's texts, each checked against the English one."""
        texts: dict[str, Any] = {"prompts": {}, "helplines": {}, "menus": {}, "helpline_sms": {}}
        for pid in TRANSLATED_PROMPTS:
            english = clean["prompts"].get(pid, DEFAULT_PROMPTS.get(pid))
            allowed = LANGUAGE_PROMPTS.get(pid)
            text = self.translated(("prompts", pid), lang, english, allowed, OPTIONAL.get(pid))
            if text is not None:
                texts["prompts"][pid] = text
        greeting = texts["prompts"].get("greeting")
        if greeting is not None and "999" not in greeting:
            self.error(
                ("prompts", f"greeting.{lang.code}"),
                "the greeting must tell callers in danger to dial 999",
            )
        for hid, helpline in clean["helplines"].items():
            text = self.translated(("helplines", hid, "name"), lang, helpline["name"])
            if text is not None:
                texts["helplines"][hid] = text
            sms = sms_text(self, ("helplines", hid), lang, helpline.get("sms"), helpline["name"])
            if sms is not None:
                texts["helpline_sms"][hid] = sms
        for nid, node in clean["menus"].items():
            said: dict[str, Any] = {"options": {}}
            shared = SharedKeywords(lang.code)
            if "say" in node:
                said["say"] = self.translated(("menus", nid, "say"), lang, node["say"])
            self.extra(("menus", nid, "say"), lang, "say" in node)
            sms = sms_text(self, ("menus", nid), lang, node.get("sms"), node.get("say"))
            if sms is not None:
                said["sms"] = sms
            for key, option in node["options"].items():
                opath = ("menus", nid, "options", str(key))
                entry: dict[str, Any] = {
                    "label": self.translated((*opath, "label"), lang, option["label"])
                }
                sms = sms_text(self, opath, lang, option.get("sms"), option["label"])
                if sms is not None:
                    entry["sms"] = sms
                words = self.found.get((*opath, f"keywords.{lang.code}"))
                if words is not None:
                    wpath = (*opath, f"keywords.{lang.code}")
                    entry["keywords"] = self.keywords(wpath, lang, str(key), words, shared)
                said["options"][key] = entry
            texts["menus"][nid] = said
        return texts

    def keywords(
        self, path: Path_, lang: Language, key: str, value: Any, shared: SharedKeywords
    ) -> list[str]:
        """An option's keywords in a language: no grammatical word, none another option
        of the menu has (a warning)."""
        kept = []
        for i, word in enumerate(word_list(self.checker, path, value)):
            refused = grammatical_word(word, lang.code, lang.name)
            if refused:
                self.error((*path, str(i)), refused)
                continue
            twice = shared.shared(word, key)
            if twice:
                self.error((*path, str(i)), twice, warning=True)
            kept.append(word)
        return kept

    def extra(self, path: Path_, lang: Language, english: bool) -> None:
        where = (*path[:-1], f"{path[-1]}.{lang.code}")
        if not english and where in self.found:
            self.error(where, f"there is no English '{path[-1]}' here to translate")

    def translated(
        self,
        path: Path_,
        lang: Language,
        english: str | None,
        allowed: Any = None,
        until: str | None = None,
    ) -> str | None:
        """The language's text beside path, checked: there, unconfirmed, same placeholders.

        until: for a text that may be missing (a warning), what callers miss until it is
        written.
        """
        where = (*path[:-1], f"{path[-1]}.{lang.code}")
        if where not in self.found:
            self.error(
                path,
                f"no {lang.name} text: write {where[-1]}: beside it ({lang.code} is declared"
                + (f"; until then {until})" if until else ")"),
                warning=until is not None,
            )
            return None
        text = self.checker.text(where, self.found[where])
        if text is None:
            return None
        found = self.checker.placeholder_names(where, text)
        if found is None:
            return None
        names = set(found)
        if allowed is not None:
            bad = names - {*allowed, *COMMON, *self.checker.declared}
            if bad:
                self.error(where, f"unknown placeholder {{{sorted(bad)[0]}}}")
                return None
        elif english is not None:
            wanted = set(placeholders(english) or ())
            if names != wanted:
                missing = ", ".join(f"{{{n}}}" for n in sorted(wanted - names)) or "none"
                extra = ", ".join(f"{{{n}}}" for n in sorted(names - wanted)) or "none"
                self.error(
                    where,
                    f"placeholders differ from the English text (missing: {missing}; "
                    f"not in English: {extra})",
                )
                return None
        if not lang.confirmed:
            self.error(where, f"{NOT_CONFIRMED} of {lang.name}", warning=True)
        return text
