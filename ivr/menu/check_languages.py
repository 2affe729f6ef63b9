"""The checks of menus.yaml's other languages: each declared, offered, voiced, and every
text there beside its English one with the same placeholders."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ivr.menu.engines import engine_missing, espeak_voices
from ivr.menu.languages import (
    LANGUAGE_KEY_CHOICES,
    LANGUAGE_KEYS,
    LANGUAGE_PROMPTS,
    TRANSLATED_FIELDS,
    Language,
    locale_problem,
    split_code,
)
from ivr.menu.model import DEFAULT_PROMPTS, Settings
from ivr.menu.source import Path_
from ivr.menu.speech import SPEECH_MODELS
from ivr.menu.texts import HANG_UP, UNAVAILABLE

if TYPE_CHECKING:
    from ivr.menu.check import _Checker

# Twilio's speech recognition languages are BCP-47 tags: pl-PL, ur-PK, and a script where
# one is needed, which Twilio's own list spells pa-guru-IN (others write pa-Guru-IN). BCP 47
# tags are the same tag whatever their case (RFC 5646, 2.1.1): any case is taken as written.
SPEECH_TAG = re.compile(r"[a-z]{2,3}(-[a-z]{4})?-[a-z]{2}", re.IGNORECASE | re.ASCII)
# Said only to the helpline (English) or only in English
ENGLISH_ONLY = ("whisper", "speaks")
# The start of the warning for each text of a language not confirmed as a whole
NOT_CONFIRMED = "not yet confirmed by a fluent speaker"
TRANSLATED_PROMPTS = (*(p for p in DEFAULT_PROMPTS if p not in ENGLISH_ONLY), *LANGUAGE_PROMPTS)
# Texts added after menus were published with languages: missing, they only warn
OPTIONAL = {
    UNAVAILABLE: "callers in it hear no word of why a failing helpline is passed by",
    HANG_UP: "callers in it are not told they may hang up at any time (unless its greeting is)",
}
KEY_ACTIONS = ("operator", "repeat", "back")
# Languages Twilio lists for its `default` speech model only: with another model the
# <Gather> fails (warning 13331, "invalid language value for the selected speechModel")
DEFAULT_MODEL_ONLY = {"pa": "Panjabi", "ur": "Urdu"}
Texts = dict[Path_, Any]  # where a translated text is written (its key with .code) -> value


def split_translations(data: dict[str, Any], codes: Any) -> tuple[dict[str, Any], Texts]:
    """The English data (translations taken out) and each translated text by its path.

    A key like `greeting.de` whose language is not declared stays in the data, where it
    is reported as an unknown key naming the declared languages.
    """
    found: Texts = {}
    english = dict(data)

    def take(path: Path_, entry: Any, fields: Any) -> Any:
        if not isinstance(entry, dict):
            return entry
        kept = {}
        for key, value in entry.items():
            field, code = split_code(str(key), codes)
            if code and (fields is None or field in fields):
                found[(*path, str(key))] = value
            else:
                kept[key] = value
        return kept

    prompts = data.get("prompts")
    english["prompts"] = take(("prompts",), prompts, None)
    helplines = data.get("helplines")
    if isinstance(helplines, dict):
        english["helplines"] = {
            hid: take(("helplines", hid), h, TRANSLATED_FIELDS["helplines"])
            for hid, h in helplines.items()
        }
    menus = data.get("menus")
    if isinstance(menus, dict):
        english["menus"] = {}
        for nid, node in menus.items():
            node = take(("menus", nid), node, TRANSLATED_FIELDS["menus"])
            options = node.get("options") if isinstance(node, dict) else None
            if isinstance(options, dict):
                node = dict(node)
                node["options"] = {
                    key: take(
                        ("menus", nid, "options", str(key)),
                        option,
                        TRANSLATED_FIELDS["options"],
                    )
                    for key, option in options.items()
                }
            english["menus"][nid] = node
    if prompts is None:
        english.pop("prompts")
    return english, found


class LanguageChecks:
    """Checks the `languages:` section (each language declared, offered and voiced), for one
    _Checker; its texts are TranslationChecks' (check_translations.py)."""

    def __init__(self, checker: _Checker, found: Texts) -> None:
        self.checker = checker
        self.found = found
        self.error = checker.error

    def languages(self, data: Any, settings: dict[str, Any], menus: Any) -> dict[str, Language]:
        section = self.checker.mapping(("languages",), data, "a mapping of language codes")
        taken = {
            settings.get(k, getattr(Settings, k)): f"the {k.replace('_', ' ')}"
            for k in ("operator_key", "repeat_key")
        }
        home = settings.get("home", Settings.home)
        node = menus.get(home) if isinstance(menus, dict) else None
        for key in (node or {}).get("options", {}) if isinstance(node, dict) else ():
            taken[str(key)] = f"option {key} of the home menu"
        clean: dict[str, Language] = {}
        for code, entry in section.items():
            path = ("languages", str(code))
            problem = locale_problem(str(code))
            if problem:
                self.error(path, problem)
                continue
            language = self.language(path, str(code), entry, taken)
            if language is not None:
                clean[language.code] = language
                taken[language.key] = f"{language.name} (languages.{code})"
        return clean

    def language(
        self, path: Path_, code: str, entry: Any, taken: dict[str, str]
    ) -> Language | None:
        checker = self.checker
        entry = checker.mapping(path, entry, "a mapping with name, key, speech and a voice")
        checker.unknown_keys(path, entry, LANGUAGE_KEYS)
        name = checker.text((*path, "name"), entry.get("name"))
        key = checker.text((*path, "key"), entry.get("key"))
        speech_tag = checker.text((*path, "speech"), entry.get("speech"))
        ok = None not in (name, key, speech_tag)
        free = [k for k in LANGUAGE_KEY_CHOICES if k not in taken]
        if key is not None and (len(key) != 1 or key not in LANGUAGE_KEY_CHOICES):
            self.error((*path, "key"), f"'{key}' is not a phone key (free: {' '.join(free)})")
            ok = False
        elif key in taken:
            self.error(
                (*path, "key"), f"key {key} is already {taken[key]} (free: {' '.join(free)})"
            )
            ok = False
        if speech_tag is not None and not SPEECH_TAG.fullmatch(speech_tag):
            self.error(
                (*path, "speech"),
                f"'{speech_tag}' is not one of Twilio's speech languages (e.g. pl-PL, pa-guru-IN)",
            )
            ok = False
        model = entry.get("speech_model", "default")
        if model not in SPEECH_MODELS:
            self.error((*path, "speech_model"), f"unknown speech model '{model}'")
            ok = False
        elif model != "default" and str(speech_tag).split("-")[0].lower() in DEFAULT_MODEL_ONLY:
            named = DEFAULT_MODEL_ONLY[str(speech_tag).split("-")[0].lower()]
            self.error(
                (*path, "speech_model"),
                f"Twilio lists {named} only for its 'default' speech model: with '{model}' "
                "its speech recognition fails (Twilio warning 13331). Leave speech_model out",
            )
            ok = False
        texts = {
            k: checker.text((*path, k), entry.get(k), required=False) or ""
            for k in ("say_language", "say_voice", "tts_voice")
            if entry.get(k) != ""  # "": none (Twilio has no voice for some languages)
        }
        texts = {k: texts.get(k, "") for k in ("say_language", "say_voice", "tts_voice")}
        if texts["say_language"] and not SPEECH_TAG.fullmatch(texts["say_language"]):
            self.error(
                (*path, "say_language"),
                f"'{texts['say_language']}' is not a language as Twilio names them (e.g. pa-IN)",
            )
            ok = False
        if not texts["tts_voice"] and not texts["say_voice"]:
            self.error(path, f"{name} has no voice: give tts_voice (espeak-ng) or say_voice")
            ok = False
        elif texts["tts_voice"] and engine_missing("espeak"):
            self.error((*path, "tts_voice"), engine_missing("espeak"), warning=True)
        elif texts["tts_voice"] not in espeak_voices() and texts["tts_voice"]:
            self.error(
                (*path, "tts_voice"),
                f"espeak-ng has no voice '{texts['tts_voice']}' (`espeak-ng --voices` lists them)",
            )
            ok = False
        if not texts["say_voice"]:
            self.error(
                (*path, "say_voice"),
                f"Twilio has no voice for {name}: the shipped audio is the only voice "
                "(a text changed without new audio is said in English until it is built)",
                warning=True,
            )
        words = word_list(self.checker, (*path, "words"), entry.get("words"))
        key_words = self.checker.mapping(
            (*path, "key_words"), entry.get("key_words"), "a mapping of operator, repeat, back"
        )
        checker.unknown_keys((*path, "key_words"), key_words, KEY_ACTIONS)
        actions = tuple(
            (
                action,
                tuple(
                    word_list(self.checker, (*path, "key_words", action), key_words.get(action))
                ),
            )
            for action in KEY_ACTIONS
        )
        confirmed, sms_plain = entry.get("confirmed", False), entry.get("sms_plain", False)
        for flag, value in (("confirmed", confirmed), ("sms_plain", sms_plain)):
            if not isinstance(value, bool):
                self.error((*path, flag), "expected true or false")
                ok = False
        speech_confirmed = entry.get("speech_confirmed", False)
        if not isinstance(speech_confirmed, bool):
            self.error((*path, "speech_confirmed"), "expected true or false")
            ok = False
        elif not speech_confirmed:
            self.error(
                path,
                f"{name} callers can press keys but not yet speak: its speech recognition "
                "is tried in a real test call first (README, 'Confirming a language's speech'), "
                "then set speech_confirmed: true",
                warning=True,
            )
        if not ok or name is None or key is None or speech_tag is None:
            return None
        return Language(
            code,
            name,
            key,
            tuple(words),
            actions,
            speech_tag,
            model,
            texts["say_language"],
            texts["say_voice"],
            texts["tts_voice"],
            bool(confirmed),
            bool(sms_plain),
            bool(speech_confirmed),
        )


def word_list(checker: _Checker, path: Path_, value: Any) -> list[str]:
    """A list of words (each text), or [] with an error saying why."""
    if value is None:
        return []
    if not isinstance(value, list):
        checker.error(path, "expected a list of words")
        return []
    return [t for i, w in enumerate(value) if (t := checker.text((*path, str(i)), w))]
