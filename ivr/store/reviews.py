"""Fluent speakers' reviews of a language's texts: confirmed as they stand, or new words
proposed for an editor to publish.

The rules live here, whichever door a review comes by: only a reviewer of the text's
language may confirm it or propose words for it; a confirmation holds the hash of the words
confirmed and the English they translate (ivr.menu.translations.text_sha256), so a text
changed since is unconfirmed again with nothing to undo. Words with a character that shows
as something else (a direction override, an invisible space) are neither confirmed nor
proposed: a reviewer would confirm what they see, not what the voice says. Each
confirmation, proposal and dismissal commits with its audit entry, under the reviewer's
name (Store.change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ivr.errors import IvrError
from ivr.menu.characters import first_unplain
from ivr.menu.translations import Text, text_sha256
from ivr.store.changes import Store
from ivr.store.models import TextConfirmation, TextProposal
from ivr.store.rows import Account, Who, aware

MAX_WORDS = 2000  # characters of proposed words: a long emergency text is under 600
# Shown as nothing, or as other text than is said: besides accounts' control characters
# and direction overrides (check_plain), invisible spaces and joiners of words (ZWJ and
# ZWNJ are not here: Urdu and Gurmukhi spell with them)
INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad")


class _Gone(Exception):
    """The proposal was dismissed already: the transaction ends without a trace."""


@dataclass(frozen=True)
class Proposal:
    """New words a reviewer proposed for a text."""

    id: int
    name: str  # the text's: prompts/greeting.pl
    language: str
    words: str
    reviewer: str
    at: datetime


class Reviews:
    """Texts confirmed and words proposed, on the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # Reading

    def confirmations(self) -> dict[str, str]:
        """Each confirmed text's name -> the hash of the words confirmed."""
        with Session(self.store.engine) as session:
            rows = session.execute(select(TextConfirmation.name, TextConfirmation.words_sha256))
            return {name: sha for name, sha in rows}

    def proposals(self, name: str | None = None) -> list[Proposal]:
        """Words waiting to be published, newest first (of one text, where named)."""
        query = select(TextProposal).order_by(TextProposal.id.desc())
        if name is not None:
            query = query.where(TextProposal.name == name)
        with Session(self.store.engine) as session:
            return [_proposal(row) for row in session.scalars(query)]

    # Changing (each with its audit entry)

    def confirm(self, account: Account, code: str, text: Text, seen: str) -> None:
        """The reviewer confirms text's words as they are now, which must be the words
        they read (seen: their text_sha256): never words changed since."""
        self.check_reviewer(account, code)
        _check_visible(text.words, "these words")
        sha = text_sha256(text)
        if seen != sha:
            raise IvrError(
                "these words changed since you read them: read them again before confirming"
            )
        who = Who(account.name, "console")
        with self.store.change(who, "confirm text", text.name, "", text.words) as session:
            session.execute(delete(TextConfirmation).where(TextConfirmation.name == text.name))
            session.add(
                TextConfirmation(
                    name=text.name,
                    language=code,
                    words_sha256=sha,
                    reviewer=account.name,
                    at=self.store.clock(),
                )
            )

    def propose(self, account: Account, code: str, text: Text, words: str) -> Proposal:
        """The reviewer proposes words for text (checked as menu words by the caller of
        this, which knows the menu: see the console's review page)."""
        self.check_reviewer(account, code)
        words = " ".join(words.split())
        _check_visible(words, "the proposed words")
        if not words:
            raise IvrError("write the words you propose, or confirm the text as it is")
        if len(words) > MAX_WORDS:
            raise IvrError(f"proposed words are {MAX_WORDS} characters at most")
        if words == " ".join(text.words.split()):
            raise IvrError("these are the words callers hear now: confirm them instead")
        who = Who(account.name, "console")
        with self.store.change(who, "propose words", text.name, text.words, words) as session:
            row = TextProposal(
                name=text.name,
                language=code,
                words=words,
                reviewer=account.name,
                at=self.store.clock(),
            )
            session.add(row)
            session.flush()
            return _proposal(row)

    def dismiss(self, proposal_id: int, who: Who) -> bool:
        """An editor sets a proposal aside (published, or not to be); False if gone."""
        try:
            subject = f"proposal {proposal_id}"
            with self.store.changing(who, "dismiss proposal", subject) as (session, audit):
                row = session.get(TextProposal, proposal_id)
                if row is None:
                    raise _Gone  # rolled back: no audit entry for what did not happen
                audit.before = f"{row.name}: {row.words} (by {row.reviewer})"
                session.delete(row)
        except _Gone:
            return False
        return True

    @staticmethod
    def check_reviewer(account: Account, code: str) -> None:
        """Refuse anyone but a reviewer of the language code."""
        if not account.reviews(code):
            raise IvrError(
                f"only a reviewer of this language ({code}) may confirm its texts or "
                "propose words for them"
            )


def _check_visible(words: str, what: str) -> None:
    """Refuse words with a character not shown as what it is (a control character, a
    direction override, an invisible space), saying which and where."""
    found = first_unplain(words, INVISIBLE)
    if found:
        position, character = found
        raise IvrError(
            f"{what} hold a character not shown as what it is (U+{ord(character):04X}) "
            f"at character {position}: it must be taken out first (an editor can, on "
            "the Words page)"
        )


def _proposal(row: TextProposal) -> Proposal:
    return Proposal(row.id, row.name, row.language, row.words, row.reviewer, aware(row.at))
