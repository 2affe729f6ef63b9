"""Every problem in a menu file, as located one-line messages.

The checker reads the file's sections in order; the menus' checks (check_menus), the
languages' (check_languages), the text line's (check_sms) and the caller times of a usable
menu (check_times) each have a module of their own.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ivr.menu.build import build_menu
from ivr.menu.check_languages import SPEECH_TAG, LanguageChecks, split_translations
from ivr.menu.check_menus import ID, KEY_NAMES, MenuChecks, kind_of, listed
from ivr.menu.check_sms import check_replies, check_text_line
from ivr.menu.check_times import written_at
from ivr.menu.engines import engine_missing, engine_problem
from ivr.menu.hours import Hours, hours_from
from ivr.menu.languages import CODE, LANGUAGE_PROMPTS
from ivr.menu.model import DEFAULT_PROMPTS, KEYS, Settings
from ivr.menu.numbers import is_uk, number_problem
from ivr.menu.source import Path_, Problem, Source
from ivr.menu.speech import SPEECH_MODELS
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
RANGES: dict[str, tuple[float, float]] = {
    "timeout": (2, 30),
    "no_input_retries": (0, 5),
    "invalid_retries": (0, 5),
    "min_confidence": (0.0, 1.0),
    # Twilio's <Dial> timeout is this less 5 s, and may not be under 5 s
    "ring_seconds": (10, 60),
    "speech_timeout": (1, 10),
    "accept_seconds": (2, 20),
    "readout_repeats": (0, 5),
    "speech_rate": (80, 300),
    "watch_failed_in_a_row": (1, 20),
    "watch_doubtful_after": (2, 200),
    "watch_failing_after": (3, 500),
    "watch_retry_one_in": (2, 100),
    **{
        target: (1, 120)
        for target in (
            "seconds_to_999",
            "seconds_to_person_offered",
            "seconds_to_operator_ringing",
            "seconds_to_helpline_ringing",
            "seconds_to_language_offered",
            "seconds_to_999_in_language",
            "seconds_to_helpline_in_language",
        )
    },
    "keys_to_helpline": (1, 5),
}
# Transfers in a row without an accept: doubtful after the first, failing after the second
WATCH_RUNS = ("watch_doubtful_after", "watch_failing_after")
CHOICES = {"after_retries": ("transfer", "goodbye"), "speech_model": SPEECH_MODELS}
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
        self.unknown_keys((), data, SECTIONS)
        for section in ("helplines", "menus"):
            if not data.get(section):
                self.error((), f"missing '{section}:' (a file needs at least one)")
        settings = self.check_settings(
            self.mapping(("settings",), data.get("settings"), "a mapping")
        )
        helplines = self.check_helplines(
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
                code: checks.texts(lang, self.clean) for code, lang in languages.items()
            }
        check_text_line(self)
        if not any(not p.warning for p in self.problems):
            self.check_lengths()
            check_replies(self)

    def check_settings(self, data: dict[str, Any]) -> dict[str, Any]:
        defaults = {f.name: f.default for f in fields(Settings)}
        self.unknown_keys(("settings",), data, list(defaults))
        clean: dict[str, Any] = {}
        for name, value in data.items():
            if name not in defaults:
                continue
            path = ("settings", name)
            default = defaults[name]
            if isinstance(default, str):
                checked = self.text(path, value, required=name != "caller_id")
                if checked is None:
                    continue
                value = checked
            elif name == "speech_timeout" and value == "auto":
                self.error(
                    path,
                    "'auto' cannot be used with a speech model (Twilio warning 13335): "
                    "give whole seconds of silence that end speech, 1 to 10",
                )
                continue
            elif isinstance(value, bool) or not isinstance(value, int | float):
                self.error(path, f"expected a number, got {kind_of(value)}")
                continue
            elif isinstance(default, int) and not isinstance(value, int):
                self.error(path, f"expected a whole number, got {value}")
                continue
            if not self.setting_value(path, name, value):
                clean[name] = value
        keys = [clean.get(k, defaults[k]) for k in KEY_NAMES]
        if len(set(keys)) != len(keys):
            self.error(
                ("settings",), f"operator_key, repeat_key and back_key must differ, got {keys}"
            )
        self.check_engine(clean, data, defaults)
        doubtful, failing = (clean.get(k, defaults[k]) for k in WATCH_RUNS)
        if failing <= doubtful:
            where = WATCH_RUNS[1] if WATCH_RUNS[1] in clean else WATCH_RUNS[0]
            self.error(
                ("settings", where),
                f"watch_failing_after ({failing}) must be more than watch_doubtful_after "
                f"({doubtful}): a helpline is doubtful before it is failing",
            )
        return clean

    def check_engine(
        self, clean: dict[str, Any], data: dict[str, Any], defaults: dict[str, Any]
    ) -> None:
        """The speech engine and voice exist; a missing engine only warns (what is built
        already plays, and a changed text is said with <Say> until it is installed)."""
        engine = clean.get("tts_engine", defaults["tts_engine"])
        voice = clean.get("tts_voice", defaults["tts_voice"])
        problem = engine_problem(engine, voice)
        missing = "" if problem else engine_missing(engine)
        where = "tts_voice" if problem.startswith("tts_voice") else "tts_engine"
        path: Path_ = ("settings", where) if where in data else ("settings",)
        if problem:
            self.error(path, problem)
        elif missing:
            self.error(path, missing, warning=True)

    def setting_value(self, path: Path_, name: str, value: Any) -> bool:
        """Report a setting outside what is allowed; True if it was."""
        if name in RANGES:
            low, high = RANGES[name]
            if not low <= value <= high:
                self.error(path, f"{value} is out of range (allowed: {low} to {high})")
                return True
        if name in CHOICES and value not in CHOICES[name]:
            self.error(path, f"unknown value '{value}' (allowed: {listed(CHOICES[name])})")
            return True
        if name in KEY_NAMES and (len(value) != 1 or value not in KEYS):
            self.error(path, f"'{value}' is not a phone key (allowed: one of {' '.join(KEYS)})")
            return True
        if name in ("language", "say_language") and value and not SPEECH_TAG.fullmatch(value):
            self.error(path, f"'{value}' is not a language as Twilio names them (e.g. en-GB)")
            return True
        if name == "caller_id" and value:
            if self.bad_number(path, value):
                return True
            if not is_uk(value):
                self.error(
                    path,
                    f"'{value}' is not a UK number: every helpline would see a call from "
                    "abroad, and may not answer it (give the line's own UK number)",
                    warning=True,
                )
        return False

    def check_helplines(self, data: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        names: dict[str, tuple[str, str]] = {}
        for hid, h in data.items():
            path = ("helplines", hid)
            if not ID.fullmatch(hid):
                self.error(path, f"'{hid}' is not a valid id (use lower case letters, digits, _)")
            h = self.mapping(path, h, "a mapping with name and number")
            self.unknown_keys(path, h, HELPLINE_KEYS)
            name = self.text((*path, "name"), h.get("name"))
            number = self.text((*path, "number"), h.get("number"))
            entry: dict[str, Any] = {"name": name, "number": number}
            for flag in ("dial", "show_caller_number", "interpreter"):
                if flag in h:
                    if isinstance(h[flag], bool):
                        entry[flag] = h[flag]
                    else:
                        self.error(
                            (*path, flag), f"expected true or false, got {kind_of(h[flag])}"
                        )
            if "hours" in h:
                entry["hours"] = self.check_hours((*path, "hours"), h["hours"], hid)
            for key in ("text_line", "sms"):
                if key in h:
                    entry[key] = self.text((*path, key), h[key])
            if name is None or number is None or self.bad_number((*path, "number"), number):
                continue
            if entry.get("dial", True) and not is_uk(number):
                self.error(
                    (*path, "number"),
                    f"'{number}' is not a UK number: each transfer to it is an international "
                    "call, which Twilio may refuse (check it is the service's own number)",
                    warning=True,
                )
            clean[hid] = entry
            same = " ".join(name.casefold().split())
            if same in names and names[same][1] != "".join(number.split()):
                other, _ = names[same]
                self.error(
                    (*path, "number"),
                    f"'{name}' also has number {data[other]['number']} (helplines.{other}): "
                    "check which is right",
                    warning=True,
                )
            names.setdefault(same, (hid, "".join(number.split())))
        return clean

    def check_hours(self, path: Path_, data: Any, hid: str) -> Hours | None:
        hours, errors = hours_from(data)
        for subpath, message in errors:
            self.error((*path, *subpath), message)
        if hours is not None and not hours.confirmed:
            msg = (
                f"the hours of '{hid}' are not confirmed: "
                "check them with the service, then set confirmed: true"
            )
            self.error(path, msg, warning=True)
        return hours

    def bad_number(self, path: Path_, number: str) -> bool:
        """Report a number that cannot be a real UK line; True if it was."""
        problem = number_problem(number)
        if problem:
            self.error(path, problem)
        return problem is not None

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
