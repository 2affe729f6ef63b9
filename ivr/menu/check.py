"""Every problem in a menu file, as located one-line messages.

The checker reads the file's sections in order; the settings' checks (check_settings), the
helplines' (check_helplines), the menus' (check_menus), the languages' (check_languages)
and their texts' (check_translations), the text line's (check_sms) and the caller times
of a usable menu (check_times) each have a module of their own; the prompts' are here.
"""

from __future__ import annotations

from typing import Any

from ivr.menu.build import build_menu
from ivr.menu.check_helplines import HelplineChecks
from ivr.menu.check_languages import LanguageChecks, split_translations
from ivr.menu.check_menus import MenuChecks, kind_of, listed
from ivr.menu.check_settings import SettingsChecks
from ivr.menu.check_sms import check_replies, check_text_line
from ivr.menu.check_times import written_at
from ivr.menu.check_translations import TranslationChecks
from ivr.menu.languages import CODE, LANGUAGE_PROMPTS
from ivr.menu.model import DEFAULT_PROMPTS
from ivr.menu.source import Path_, Problem, Source
from ivr.menu.texts import COMMON, placeholders, spoken_estimate

SECTIONS = ("settings", "languages", "prompts", "helplines", "menus")
PLACEHOLDERS = {
    "option": ("label", "key"),
    "connecting": ("name",),
    "not_available": ("name",),
    "whisper": ("choice",),
    "closed": ("name", "reason", "opens"),
    "unavailable": ("name",),
    "opens": ("when",),
    "speaks": ("language",),
    "sms_open": ("name", "number"),
    "sms_closed": ("name", "number", "reason", "opens"),
}
LONG_PROMPT_SECONDS = 30
# The most a <Say> says, in bytes of UTF-8, by Twilio's kind of voice (warning 13521):
# a text with no audio yet (just published, or not built) is said with <Say>
SAY_BYTES = {"Polly.": 3000, "Google.": 5000}
BASIC_SAY_BYTES = 4096


def check_source(source: Source) -> tuple[list[Problem], dict[str, Any]]:
    """All problems in a parsed menu file, and its data cleaned for building."""
    checker = _Checker(source)
    if source.data is not None:
        checker.run()
    return checker.problems, checker.clean


class _Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.declared: set[str] = set()
        self.codes: list[str] = []  # the languages declared besides English
        self.problems = list(source.problems)
        self.clean: dict[str, Any] = {}

    def error(self, path: Path_, message: str, warning: bool = False) -> None:
        line = self.source.line(path)
        self.problems.append(Problem(self.source.name, line, ".".join(path), message, warning))

    def mapping(self, path: Path_, value: Any, what: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if value is not None:
            self.error(path, f"expected {what}, got {kind_of(value)}")
        return {}

    def text(self, path: Path_, value: Any, required: bool = True) -> str | None:
        """Text, taking numbers as written (`01332 207704`, `999`), or None if wrong."""
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.source.raw.get(path, str(value))
        if value is not None or required:
            self.error(path, f"expected text, got {kind_of(value)}")
        return None

    def unknown_keys(self, path: Path_, data: dict[str, Any], allowed: Any) -> None:
        for key in data:
            if key in allowed:
                continue
            # `label.de` with no `de:` under languages: a translation, into no language
            field, dot, code = str(key).rpartition(".")
            translatable = field in allowed or (path == ("prompts",) and field in LANGUAGE_PROMPTS)
            if dot and translatable and CODE.match(code):
                self.error(
                    (*path, key),
                    f"unknown key '{key}': '{code}' is not a language of this menu (declare "
                    f"it under languages: to translate into it; declared: {listed(self.codes)})",
                )
            else:
                self.error((*path, key), f"unknown key '{key}' (allowed: {listed(allowed)})")

    def run(self) -> None:
        data = self.source.data
        if not isinstance(data, dict):
            self.error((), f"expected a mapping with {', '.join(SECTIONS)}, got {kind_of(data)}")
            return
        languages = data.get("languages")
        self.codes = [str(c) for c in languages] if isinstance(languages, dict) else []
        data, translations = split_translations(data, self.codes)
        checks = LanguageChecks(self, translations)
        texts = TranslationChecks(self, translations)
        self.unknown_keys((), data, SECTIONS)
        for section in ("helplines", "menus"):
            if not data.get(section):
                self.error((), f"missing '{section}:' (a file needs at least one)")
        settings = SettingsChecks(self).check(
            self.mapping(("settings",), data.get("settings"), "a mapping")
        )
        helplines = HelplineChecks(self).check(
            self.mapping(("helplines",), data.get("helplines"), "a mapping")
        )
        declared = data.get("helplines")
        self.declared = set(declared) if isinstance(declared, dict) else set()
        self.clean = {"settings": settings, "helplines": helplines}
        self.clean["prompts"] = self.check_prompts(
            self.mapping(("prompts",), data.get("prompts"), "a mapping"), helplines
        )
        menus = MenuChecks(self)
        self.clean["menus"] = menus.menus(
            self.mapping(("menus",), data.get("menus"), "a mapping"), settings, helplines
        )
        menus.references(settings, helplines, self.clean["menus"])
        languages = checks.languages(data.get("languages"), settings, data.get("menus"))
        if languages:
            self.clean["languages"] = languages
            self.clean["translated"] = {
                code: texts.texts(lang, self.clean) for code, lang in languages.items()
            }
        check_text_line(self)
        if not any(not p.warning for p in self.problems):
            self.check_lengths()
            check_replies(self)

    def check_prompts(self, data: dict[str, Any], helplines: dict[str, Any]) -> dict[str, str]:
        self.unknown_keys(("prompts",), data, list(DEFAULT_PROMPTS))
        clean: dict[str, str] = {}
        for pid, value in data.items():
            path = ("prompts", pid)
            text = self.text(path, value)
            if pid in DEFAULT_PROMPTS and text is not None:
                if self.placeholders(path, text, PLACEHOLDERS.get(pid, ()), helplines):
                    clean[pid] = text
        greeting = clean.get("greeting", DEFAULT_PROMPTS["greeting"])
        if "999" not in greeting:
            self.error(
                ("prompts", "greeting"), "the greeting must tell callers in danger to dial 999"
            )
        return clean

    def placeholder_names(self, path: Path_, text: str) -> list[str] | None:
        """The {names} text uses; None (each reported) if a brace is unmatched or a
        placeholder is more than a name."""
        names = placeholders(text)
        if names is None:
            self.error(path, "unmatched { or } (write {{ or }} for a brace)")
            return None
        # `{service_name:.>200000000}` once took a worker 11 s and 600 MB to say
        fancy = [n for n in names if ":" in n or "!" in n]
        for name in fancy:
            shown = name if len(name) <= 40 else f"{name[:37]}..."
            self.error(
                path,
                f"{{{shown}}}: a placeholder is a name alone, like {{service_name}} "
                "(no ':' format or '!' conversion)",
            )
        return None if fancy else list(dict.fromkeys(names))

    def placeholders(self, path: Path_, text: str, extra: Any, helplines: dict[str, Any]) -> bool:
        """Report {names} a text may not use; True if all are fine."""
        allowed = [*COMMON, *extra, *helplines]
        names = self.placeholder_names(path, text)
        if names is None:
            return False
        bad = [n for n in names if n not in allowed]
        for name in bad:
            self.error(path, f"unknown placeholder {{{name}}} (allowed: {listed(allowed)})")
        return not bad

    def check_lengths(self) -> None:
        menu = self.built = build_menu(self.clean, self.source.name)
        for pid, text in menu.prompts.items():
            voice = menu.settings_for(pid).say_voice
            most = next((n for v, n in SAY_BYTES.items() if voice.startswith(v)), BASIC_SAY_BYTES)
            size = len(text.encode())
            if size > most:
                self.error(
                    written_at(pid, menu.translations),
                    f"prompt '{pid}' is {size} bytes: Twilio's {voice or 'basic'} voice says at "
                    f"most {most}, so callers would not hear it (shorten it or split the menu)",
                )
                continue
            seconds = spoken_estimate(text, menu.settings.speech_rate)
            if seconds > LONG_PROMPT_SECONDS:
                self.error(
                    written_at(pid, menu.translations),
                    f"prompt '{pid}' takes about {seconds:.0f} s to say "
                    f"(callers may give up over {LONG_PROMPT_SECONDS} s: "
                    "shorten it or split the menu)",
                    warning=True,
                )
