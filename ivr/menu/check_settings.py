"""The checks of menus.yaml's `settings:`: each setting's kind and range, the keys every
menu keeps, the speech engine and voice, the helpline watch's thresholds."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from ivr.menu.check_helplines import bad_number
from ivr.menu.check_languages import SPEECH_TAG
from ivr.menu.check_menus import KEY_NAMES, kind_of, listed
from ivr.menu.engines import engine_missing, engine_problem
from ivr.menu.model import KEYS, Settings
from ivr.menu.numbers import is_uk
from ivr.menu.source import Path_
from ivr.menu.speech import SPEECH_MODELS

if TYPE_CHECKING:
    from ivr.menu.check import _Checker

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


class SettingsChecks:
    """Checks the `settings:` section, for one _Checker (its errors)."""

    def __init__(self, checker: _Checker) -> None:
        self.checker = checker

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        defaults = {f.name: f.default for f in fields(Settings)}
        self.checker.unknown_keys(("settings",), data, list(defaults))
        clean: dict[str, Any] = {}
        for name, value in data.items():
            if name not in defaults:
                continue
            path = ("settings", name)
            default = defaults[name]
            if isinstance(default, str):
                checked = self.checker.text(path, value, required=name != "caller_id")
                if checked is None:
                    continue
                value = checked
            elif name == "speech_timeout" and value == "auto":
                self.checker.error(
                    path,
                    "'auto' cannot be used with a speech model (Twilio warning 13335): "
                    "give whole seconds of silence that end speech, 1 to 10",
                )
                continue
            elif isinstance(value, bool) or not isinstance(value, int | float):
                self.checker.error(path, f"expected a number, got {kind_of(value)}")
                continue
            elif isinstance(default, int) and not isinstance(value, int):
                self.checker.error(path, f"expected a whole number, got {value}")
                continue
            if not self.setting_value(path, name, value):
                clean[name] = value
        keys = [clean.get(k, defaults[k]) for k in KEY_NAMES]
        if len(set(keys)) != len(keys):
            self.checker.error(
                ("settings",), f"operator_key, repeat_key and back_key must differ, got {keys}"
            )
        self.check_engine(clean, data, defaults)
        doubtful, failing = (clean.get(k, defaults[k]) for k in WATCH_RUNS)
        if failing <= doubtful:
            where = WATCH_RUNS[1] if WATCH_RUNS[1] in clean else WATCH_RUNS[0]
            self.checker.error(
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
            self.checker.error(path, problem)
        elif missing:
            self.checker.error(path, missing, warning=True)

    def setting_value(self, path: Path_, name: str, value: Any) -> bool:
        """Report a setting outside what is allowed; True if it was."""
        if name in RANGES:
            low, high = RANGES[name]
            if not low <= value <= high:
                self.checker.error(path, f"{value} is out of range (allowed: {low} to {high})")
                return True
        if name in CHOICES and value not in CHOICES[name]:
            self.checker.error(path, f"unknown value '{value}' (allowed: {listed(CHOICES[name])})")
            return True
        if name in KEY_NAMES and (len(value) != 1 or value not in KEYS):
            self.checker.error(
                path, f"'{value}' is not a phone key (allowed: one of {' '.join(KEYS)})"
            )
            return True
        if name in ("language", "say_language") and value and not SPEECH_TAG.fullmatch(value):
            self.checker.error(
                path, f"'{value}' is not a language as Twilio names them (e.g. en-GB)"
            )
            return True
        if name == "caller_id" and value:
            if bad_number(self.checker, path, value):
                return True
            if not is_uk(value):
                self.checker.error(
                    path,
                    f"'{value}' is not a UK number: every helpline would see a call from "
                    "abroad, and may not answer it (give the line's own UK number)",
                    warning=True,
                )
        return False
