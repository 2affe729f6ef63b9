"""The Menu built from data check_source found free of errors: English, then each
language as a Menu of its own, with the prompts in the order staff number them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from ivr.menu import speech
from ivr.menu.languages import Language
from ivr.menu.model import DEFAULT_PROMPTS, Helpline, Menu, Node, Option, Settings, reserved_words
from ivr.menu.numbers import e164, spoken_number
from ivr.menu.source import Problem
from ivr.menu.texts import HANG_UP, UNAVAILABLE, Composer, compose_prompts


def build_menu(data: dict[str, Any], name: str, warnings: tuple[Problem, ...] = ()) -> Menu:
    """Build the model from data that check_source found free of errors."""
    known = {f.name for f in fields(Settings)}
    given = {k: v for k, v in data.get("settings", {}).items() if k in known}
    if given.get("caller_id"):
        # As staff write it ("01332 985111"), dialled as Twilio needs it
        given["caller_id"] = e164(str(given["caller_id"]))
    settings = Settings(**given)
    languages: dict[str, Language] = data.get("languages") or {}
    english = _build(data, settings, name, warnings, languages)
    if not languages:
        return english
    translations = {
        code: _build(
            _translated(data, code), _settings_in(settings, lang), name, (), languages, lang
        )
        for code, lang in languages.items()
    }
    prompts = dict(english.prompts)
    for code, lang in languages.items():
        prompts[f"speaks.{code}"] = english.composer.fill("speaks", language=lang.name)
        for pid, text in translations[code].prompts.items():
            if not pid.startswith("whisper."):  # the helpline hears English
                prompts[f"{code}.{pid}"] = text
    # Prompts added since staff learnt their numbers come last, in the order they were
    # added, so every number staff know stays as it was (see compose_prompts)
    added = (UNAVAILABLE, "repeat_hint", HANG_UP)

    def kind(pid: str) -> int:
        return next((i for i, a in enumerate(added) if a in pid.split(".")[:2]), -1)

    newer = sorted((p for p in prompts if kind(p) >= 0), key=kind)
    prompts = {p: t for p, t in prompts.items() if kind(p) < 0} | {p: prompts[p] for p in newer}
    return replace(english, prompts=prompts, translations=translations)


def _build(
    data: dict[str, Any],
    settings: Settings,
    name: str,
    warnings: tuple[Problem, ...],
    languages: dict[str, Language],
    language: Language | None = None,
) -> Menu:
    helplines = {hid: _helpline(hid, h) for hid, h in data["helplines"].items()}
    nodes = {nid: _node(nid, n) for nid, n in data["menus"].items()}
    nodes = _with_parents(nodes, settings.home)
    reserved = reserved_words(language)
    nodes = {
        nid: _with_phrases(n, settings, reserved, languages, language) for nid, n in nodes.items()
    }
    texts = {**DEFAULT_PROMPTS, **(data.get("prompts") or {})}
    for optional in (UNAVAILABLE, HANG_UP):
        if language and optional not in (data.get("prompts") or {}):
            del texts[optional]  # never English words in another language's voice
    composer = Composer(settings, helplines, texts)
    prompts = compose_prompts(composer, helplines, nodes, language)
    return Menu(
        settings, helplines, nodes, prompts, composer, name, warnings, languages, language=language
    )


def _settings_in(english: Settings, lang: Language) -> Settings:
    """A language's own voice and hearing; everything else as in English."""
    return replace(
        english,
        language=lang.speech,
        say_language=lang.say_language,
        say_voice=lang.say_voice,
        speech_model=lang.speech_model,
        tts_engine="espeak",
        tts_voice=lang.tts_voice,
    )


def _translated(data: dict[str, Any], code: str) -> dict[str, Any]:
    """The menu data with every text in the language (check_source found them all)."""
    texts = data["translated"][code]
    out = copy.deepcopy({k: data[k] for k in ("settings", "helplines", "menus")})
    out["prompts"] = dict(texts["prompts"])
    for hid, helpline in out["helplines"].items():
        helpline["name"] = texts["helplines"][hid]
        helpline["sms"] = texts["helpline_sms"].get(hid, "")
    for nid, node in out["menus"].items():
        said = texts["menus"].get(nid, {})
        if "say" in node:
            node["say"] = said["say"]
        node["sms"] = said.get("sms", "")
        for key, option in node["options"].items():
            option["label"] = said["options"][key]["label"]
            option["keywords"] = said["options"][key].get("keywords", [])
            option["sms"] = said["options"][key].get("sms", "")
    return out


def _helpline(hid: str, h: dict[str, Any]) -> Helpline:
    number = str(h["number"])
    return Helpline(
        hid,
        h["name"],
        number,
        e164(number),
        spoken_number(number),
        dial=h.get("dial", True),
        show_caller_number=h.get("show_caller_number", False),
        interpreter=h.get("interpreter", False),
        hours=h.get("hours"),
        text_line=h.get("text_line", ""),
        sms=" ".join((h.get("sms") or "").split()),
    )


def _node(nid: str, n: dict[str, Any]) -> Node:
    options = tuple(
        Option(
            str(key),
            " ".join(o["label"].split()),
            tuple(str(k) for k in o.get("keywords") or ()),
            o.get("goto"),
            tuple(_as_list(o.get("transfer"))),
            o.get("when_closed", "say"),
            " ".join((o.get("sms") or "").split()),
        )
        for key, o in (n.get("options") or {}).items()
    )
    title = n.get("title") or nid.replace("_", " ").capitalize()
    say, sms = (" ".join((n.get(name) or "").split()) for name in ("say", "sms"))
    return Node(nid, title, say, options, sms=sms)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _with_parents(nodes: dict[str, Node], home: str) -> dict[str, Node]:
    """Give each node the parent it is first reached from, breadth first from home."""
    parents: dict[str, str | None] = {home: None}
    queue = [home]
    while queue:
        node = nodes[queue.pop(0)]
        for option in node.options:
            if option.goto and option.goto not in parents:
                parents[option.goto] = node.id
                queue.append(option.goto)
    return {nid: replace(n, parent=parents.get(nid)) for nid, n in nodes.items()}


def _with_phrases(
    node: Node,
    settings: Settings,
    reserved: Mapping[str, tuple[str, ...]],
    languages: Mapping[str, Language],
    language: Language | None,
) -> Node:
    """What a caller may say for each key, as the matcher hears it: options' labels and
    keywords, the keys every menu has, at the home menu each language's name, and the
    language's phrases that name no option (speech.ASK_AGAIN)."""
    code = language.code if language else ""
    phrases: dict[tuple[str, ...], str] = {}
    for option in node.options:
        for keyword in (option.label, *option.keywords):
            phrases.setdefault(speech.heard_as(keyword, code), option.key)
    for action, words in reserved.items():
        key = getattr(settings, f"{action}_key")
        for word in words:
            phrases.setdefault(speech.heard_as(word, code), key)
    if node.parent is None:
        for lang in languages.values():
            for word in (*lang.words, lang.native):
                phrases.setdefault(speech.heard_as(word, code), lang.key)
    for phrase in speech.words_of(code).ask_again:
        phrases.setdefault(speech.heard_as(phrase, code), speech.ASK_AGAIN)
    return replace(node, phrases=tuple(phrases.items()))
