"""What `ivr check` says of a menu's keywords in any language: a grammatical word, which
callers say in sentences about anything, is refused; a word two options of one menu share
(once endings are set aside) is warned of, as a caller saying it is asked again."""

from __future__ import annotations

from ivr.menu.speech import heard_as, tokens, words_of


def grammatical_word(keyword: str, code: str, language: str = "English") -> str:
    """Why keyword cannot be a keyword, when it is only the language's grammatical words;
    "" when it may be."""
    said = tokens(keyword, code)
    if not said or not all(word in words_of(code).stop_words for word in said):
        return ""
    listed = f"ivr/menu/words/{code or 'en'}.yaml"
    return (
        f"'{keyword}' is a common grammatical word in {language} (listed in {listed}): "
        "callers say it in sentences about anything, and would be sent to this option. "
        "Use a word only this option means"
    )


class SharedKeywords:
    """The keywords of one menu in one language, as the matcher hears them."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.owners: dict[tuple[str, ...], tuple[str, str]] = {}

    def shared(self, keyword: str, key: str) -> str:
        """A warning when another option of the menu has a keyword heard as this one."""
        heard = heard_as(keyword, self.code)
        owner, first = self.owners.setdefault(heard, (key, keyword))
        if owner == key:
            return ""
        same = "" if first == keyword else f" ('{first}' and '{keyword}' differ only in endings)"
        return (
            f"option {owner} has the keyword '{first}' too{same}: a caller who says it is "
            "asked again. Keep it for one option"
        )
