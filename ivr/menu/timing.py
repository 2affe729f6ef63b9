"""How long a caller listens before each moment that matters, and the targets for each.

A caller presses each key as soon as their option has been said (the shortest key path);
every request after the first (Twilio fetching the next TwiML) costs REQUEST_SECONDS.
What a prompt takes comes from a `seconds` function (prompt id -> seconds): the audio's
length where there is audio, else an estimate from its words and the voice's pace. This
module knows only the order a caller hears things in, so it works for any menu, a draft
in the console as well as the shipped one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate

Seconds = Callable[[str], float]

# Twilio fetching the next TwiML after a key press
REQUEST_SECONDS = 0.5


@dataclass(frozen=True)
class Heard:
    """A stretch of listening: its seconds, and what each prompt heard on the way cost."""

    seconds: float = 0.0
    costs: tuple[tuple[str, float], ...] = ()

    def then(self, prompt_id: str, seconds: float) -> Heard:
        """This stretch, then seconds of the prompt."""
        return Heard(self.seconds + seconds, (*self.costs, (prompt_id, seconds)))

    def wait(self, seconds: float) -> Heard:
        """This stretch, then seconds of no prompt (a request on its way)."""
        return Heard(self.seconds + seconds, self.costs)

    @property
    def costliest(self) -> str:
        """The prompt that costs the most of this stretch ("" if none was heard)."""
        return max(self.costs, key=lambda cost: cost[1], default=("", 0.0))[0]


@dataclass(frozen=True)
class Journey:
    """The shortest key path to a helpline and what is heard until it rings."""

    helpline: str
    keys: tuple[str, ...]
    heard: Heard

    @property
    def seconds(self) -> float:
        """Seconds from answer (or from choosing a language) until the helpline rings."""
        return self.heard.seconds


@dataclass(frozen=True)
class Moment:
    """A moment of the caller's journey measured against its target."""

    what: str  # said to staff: "the 24-hour line ringing after pressing 0"
    language: str  # the language's code; "" for English
    heard: Heard
    target: float
    keys: tuple[str, ...] = ()
    most_keys: int | None = None  # the most key presses allowed, where that counts
    setting: str = field(default="")  # the settings: key of the target

    @property
    def seconds(self) -> float:
        """Seconds until the moment."""
        return self.heard.seconds

    @property
    def over(self) -> bool:
        """The moment comes later than its target, or takes more key presses."""
        too_many = self.most_keys is not None and len(self.keys) > self.most_keys
        return round(self.seconds, 1) > self.target or too_many


def estimated(menu: Menu) -> Seconds:
    """Each prompt's seconds from its words and its voice's pace (no audio known)."""

    def seconds(prompt_id: str) -> float:
        rate = menu.settings_for(prompt_id).speech_rate
        return spoken_estimate(menu.prompts[prompt_id], rate)

    return seconds


class Listening:
    """What a caller hears of a menu, in the order they hear it, timed by `seconds`."""

    def __init__(self, menu: Menu, seconds: Seconds) -> None:
        self.menu = menu
        self.seconds = seconds

    def until(self, heard: Heard, prompt_id: str, phrase: str = "") -> Heard:
        """heard, then the prompt up to the end of phrase (in proportion to its words);
        the whole prompt when phrase is not in it."""
        whole = self.seconds(prompt_id)
        text = self.menu.prompts[prompt_id]
        end = text.find(phrase) if phrase else -1
        if end < 0:
            return heard.then(prompt_id, whole)
        words = len(text[: end + len(phrase)].split())
        return heard.then(prompt_id, whole * words / len(text.split()))

    def start(self, lang: str = "") -> Heard:
        """Nothing heard yet: at answer, or the request that follows choosing a language."""
        return Heard().wait(REQUEST_SECONDS) if lang else Heard()

    def before_999(self, lang: str = "") -> Heard:
        """From answer (or from choosing a language) until the greeting has said "999"."""
        return self.until(self.start(lang), _in(lang, "greeting"), "9 9 9")

    def offered(self) -> dict[str, Heard]:
        """From answer until each language's offer has been said, by its code."""
        heard, found = Heard(), {}
        for prompt_id, code in self.menu.home_order():
            heard = self.until(heard, _in(code, prompt_id))
            if prompt_id == "offer":
                found[code] = heard
        return found

    def home(self, lang: str = "") -> Heard:
        """What comes before the home menu's own prompt (the greeting), from answer or
        from choosing a language."""
        heard = self.start(lang)
        for prompt_id, code in self.menu.home_order(lang):
            if prompt_id.startswith("node."):
                return heard
            heard = self.until(heard, _in(code, prompt_id))
        return heard  # pragma: no cover - home_order always holds the home menu

    def person_offered(self, lang: str = "") -> Heard:
        """From answer until the home menu has said the key for a person."""
        spoken = self.menu.speaking(lang)
        said = spoken.composer.fill("operator_hint")
        return self.until(self.home(lang), _in(lang, f"node.{spoken.settings.home}"), said)

    def journeys(self, lang: str = "") -> list[Journey]:
        """For each helpline first in some chain (and the 24/7 line): the quickest way there.

        In another language, counted from the moment the language was chosen.
        """
        menu = self.menu
        spoken = menu.speaking(lang)
        composer, settings = spoken.composer, menu.settings
        best: dict[str, Journey] = {}
        # Breadth first, so the first path found to a node has the fewest key presses
        queue: list[tuple[str, tuple[str, ...], Heard]] = [(settings.home, (), self.home(lang))]
        seen = {settings.home}
        while queue:
            node_id, keys, before = queue.pop(0)
            prompt_id = _in(lang, f"node.{node_id}")
            choices: list[tuple[str, str | None, str | None, str]] = [
                (settings.operator_key, settings.operator, None, composer.fill("operator_hint"))
            ]
            for o in spoken.nodes[node_id].options:
                said = composer.fill("option", label=o.label, key=composer.key(o.key))
                choices.append((o.key, o.transfer[0] if o.transfer else None, o.goto, said))
            for key, helpline, goto, said in choices:
                heard = self.until(before, prompt_id, said).wait(REQUEST_SECONDS)
                if helpline:
                    rings = self.until(heard, _in(lang, f"connecting.{helpline}"))
                    journey = Journey(helpline, (*keys, key), rings)
                    old = best.get(helpline)
                    if old is None or (len(journey.keys), rings.seconds) < (
                        len(old.keys),
                        old.seconds,
                    ):
                        best[helpline] = journey
                elif goto and goto not in seen:
                    seen.add(goto)
                    queue.append((goto, (*keys, key), heard))
        return sorted(best.values(), key=lambda j: j.seconds)


def moments(menu: Menu, seconds: Seconds) -> list[Moment]:
    """Every moment of the caller's journey that has a target, against its target."""
    listening = Listening(menu, seconds)
    s = menu.settings
    operator = menu.operator
    english = listening.journeys()
    to_operator = next(j for j in english if j.helpline == operator.id)
    found = [
        Moment(
            '"999" said in the greeting',
            "",
            listening.before_999(),
            s.seconds_to_999,
            setting="seconds_to_999",
        ),
        Moment(
            f"the way to a person (key {s.operator_key}) offered",
            "",
            listening.person_offered(),
            s.seconds_to_person_offered,
            setting="seconds_to_person_offered",
        ),
        Moment(
            f"{operator.name} ringing after pressing {s.operator_key}",
            "",
            to_operator.heard,
            s.seconds_to_operator_ringing,
            to_operator.keys,
            setting="seconds_to_operator_ringing",
        ),
    ]
    found += [
        Moment(
            f"{menu.helplines[j.helpline].name} ringing (keys {' '.join(j.keys)})",
            "",
            j.heard,
            s.seconds_to_helpline_ringing,
            j.keys,
            s.keys_to_helpline,
            setting="seconds_to_helpline_ringing",
        )
        for j in english
        if j.helpline != operator.id
    ]
    for code, heard in listening.offered().items():
        name = menu.languages[code].name
        found.append(
            Moment(
                f"{name} offered in its own words",
                "",
                heard,
                s.seconds_to_language_offered,
                setting="seconds_to_language_offered",
            )
        )
    for code, language in menu.languages.items():
        after = f"after choosing {language.name}"
        found.append(
            Moment(
                f'"999" said {after}',
                code,
                listening.before_999(code),
                s.seconds_to_999_in_language,
                setting="seconds_to_999_in_language",
            )
        )
        found += [
            Moment(
                f"{menu.helplines[j.helpline].name} ringing {after} (keys {' '.join(j.keys)})",
                code,
                j.heard,
                s.seconds_to_helpline_in_language,
                j.keys,
                s.keys_to_helpline,
                setting="seconds_to_helpline_in_language",
            )
            for j in listening.journeys(code)
        ]
    return found


def _in(lang: str, prompt_id: str) -> str:
    return f"{lang}.{prompt_id}" if lang else prompt_id
