"""Recording prompts by phone: PIN, prompt number, record, listen, keep or cancel."""

from __future__ import annotations

import base64
import hmac
import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.audio.files import AUDIO_PATH
from ivr.audio.prompts import PromptAudio
from ivr.errors import IvrError
from ivr.fetch import FetchFailed, fetch
from ivr.store.pins import PinLockout
from ivr.store.rows import TakeRow, Who

bp = Blueprint("staff", __name__, url_prefix="/staff")
TRIES_PER_CALL = 3
ENTER_NUMBER = "Enter the prompt number, then press hash."
STAFF_CALL = "staff recording call"
GONE = "That recording is no longer here. Nothing has changed. Goodbye."
# Who, in the audit log: the phone line knows a PIN, not a person
PHONE = Who("phone", "phone")
SID = {
    "AccountSid": re.compile(r"^AC[0-9a-f]{32}$"),
    "RecordingSid": re.compile(r"^RE[0-9a-f]{32}$"),
}


def _line_number() -> str:
    to = request.values.get("To", "")
    return to if to.startswith("+") and to[1:].isdigit() and len(to) <= 16 else ""


def _prompts() -> PromptAudio:
    prompts: PromptAudio = current_app.extensions["ivr.line"].prompts
    return prompts


def _lock() -> PinLockout:
    lockout: PinLockout = current_app.extensions["ivr.pins"]
    return lockout


def _say(response: VoiceResponse, text: str) -> None:
    response.say(text, **_prompts().menu.settings.say_as)


def _say_text_of(response: VoiceResponse, prompt_id: str) -> None:
    """A prompt with no audio yet: its words in its own language's Twilio voice, or, where
    Twilio has none (Urdu), why nothing can be played rather than the words garbled."""
    menu = _prompts().menu
    voice = menu.settings_for(prompt_id)
    if not voice.say_voice:
        _say(response, "Nothing yet: this prompt has no audio, and Twilio has no voice for it.")
        return
    response.say(menu.prompts[prompt_id], **voice.say_as)


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _ask(response: VoiceResponse, text: str, path: str, **state: object) -> Response:
    action = f"{bp.url_prefix}{path}" + (f"?{urlencode(state)}" if state else "")
    gather = response.gather(
        input="dtmf", action=action, method="POST", finish_on_key="#", timeout=10
    )
    _say(gather, text)
    _say(response, "Nothing was entered. Goodbye.")
    response.hangup()
    return _xml(response)


def _bye(text: str) -> Response:
    response = VoiceResponse()
    _say(response, text)
    response.hangup()
    return _xml(response)


def _prompt_id(number: str) -> str | None:
    ids = list(_prompts().menu.prompts)
    return ids[int(number) - 1] if number.isdigit() and 0 < int(number) <= len(ids) else None


@bp.route("", methods=["POST"])
def start() -> Response:
    """A member of staff calls the recording number."""
    tally = current_app.extensions.get("ivr.tally")
    if tally is not None:  # how often staff record by phone: a count, nothing more
        tally.add(_line_number(), STAFF_CALL)
    if not current_app.config.get("STAFF_PIN"):
        return _bye("Recording prompts by phone is not set up on this line. Goodbye.")
    if _lock().locked():
        return _bye("Too many wrong PINs. Recording by phone is locked for a while. Goodbye.")
    return _ask(VoiceResponse(), "Prompt recording. Enter your PIN, then press hash.", "/pin", f=0)


@bp.route("/pin", methods=["POST"])
def pin() -> Response:
    """Check the PIN in constant time; count failures across calls."""
    lock = _lock()
    if not current_app.config.get("STAFF_PIN") or lock.locked():
        return start()
    given = request.values.get("Digits", "").encode()
    if hmac.compare_digest(given, str(current_app.config["STAFF_PIN"]).encode()):
        lock.clear()
        return _ask(VoiceResponse(), ENTER_NUMBER, "/prompt")
    lock.failed()
    tries = int(request.args.get("f", "0")) + 1 if request.args.get("f", "").isdigit() else 1
    if tries >= TRIES_PER_CALL or lock.locked():
        return _bye("That PIN is not right. Goodbye.")
    return _ask(
        VoiceResponse(), "That PIN is not right. Enter your PIN, then press hash.", "/pin", f=tries
    )


@bp.route("/prompt", methods=["POST"])
def prompt() -> Response:
    """Play the chosen prompt as callers hear it now, then record a new take."""
    return _record(request.values.get("Digits", ""))


def _record(number: str, lead: str = "") -> Response:
    prompt_id = _prompt_id(number)
    if prompt_id is None:
        # Only digits are echoed: anything else could be control characters, not valid XML
        said = number if number.isascii() and number.isdigit() else "with that number"
        text = f"There is no prompt {said}. {ENTER_NUMBER}"
        return _ask(VoiceResponse(), text, "/prompt")
    response = VoiceResponse()
    if lead:
        _say(response, lead)
    _say(response, f"Prompt {number}. Callers now hear:")
    url = _prompts().audio_url(prompt_id)
    if url:
        response.play(url)
    else:
        _say_text_of(response, prompt_id)
    _say(response, "After the beep, say the new prompt, then press hash.")
    response.record(
        action=f"{bp.url_prefix}/recorded?{urlencode({'p': number})}",
        method="POST",
        finish_on_key="#",
        max_length=120,
        timeout=5,
        play_beep=True,
        trim="trim-silence",
    )
    return _ask(response, f"Nothing was recorded. {ENTER_NUMBER}", "/prompt")


def _recording_sid() -> str:
    """The take's id: <Record>'s action documents RecordingUrl, and RecordingSid only
    sometimes comes with it, so the id is read from the URL's last part when it does not."""
    sid = request.values.get("RecordingSid", "")
    if sid:
        return sid
    path = urlsplit(request.values.get("RecordingUrl", "")).path
    return path.rpartition("/")[2].partition(".")[0]


@bp.route("/recorded", methods=["POST"])
def recorded() -> Response:
    """Fetch the take, check it, and play the app's own copy back: 1 keeps it."""
    number = request.args.get("p", "")
    prompt_id = _prompt_id(number)
    sid = _recording_sid()
    if prompt_id is None or not SID["RecordingSid"].match(sid):
        return _ask(VoiceResponse(), f"Nothing was recorded. {ENTER_NUMBER}", "/prompt")
    try:
        take = _fetch_take(prompt_id, sid)
    except TakeRefused as e:
        return _record(number, f"{e.spoken} Nothing has changed.")
    response = VoiceResponse()
    _say(response, "You recorded:")
    # Our converted copy, as callers would hear it; Twilio's own URL may not be ready
    # yet, and needs the account's credentials when media protection is on
    response.play(f"{AUDIO_PATH}/{prompt_id}.{take.sha256[:16]}.wav")
    gather = response.gather(
        input="dtmf",
        action=f"{bp.url_prefix}/review?{urlencode({'p': number, 'take': take.id})}",
        method="POST",
        num_digits=1,
        timeout=8,
    )
    _say(gather, "To keep it, press 1. To record again, press 2. To cancel, press star.")
    _say(response, "Nothing was pressed, so nothing has changed. Goodbye.")
    response.hangup()
    return _xml(response)


@bp.route("/review", methods=["POST"])
def review() -> Response:
    """Only an accepted take goes live."""
    number, take = request.args.get("p", ""), request.args.get("take", "")
    prompt_id = _prompt_id(number)
    digits = request.values.get("Digits", "")
    if prompt_id is None or not take.isascii() or not take.isdigit():
        return _bye(GONE)
    if digits == "2":
        return _record(number)
    if digits != "1":
        return _ask(
            VoiceResponse(),
            "Cancelled. Nothing was changed. Enter another prompt number, or hang up.",
            "/prompt",
        )
    if _prompts().store.make_live(prompt_id, int(take), PHONE) is None:
        return _bye(GONE)
    current_app.extensions["ivr.live"].refresh()  # this worker at once; others within 1 s
    text = "Saved. Callers now hear your recording. Enter another prompt number, or hang up."
    return _ask(VoiceResponse(), text, "/prompt")


class TakeRefused(IvrError):
    """A take that cannot be used, with what to tell the member of staff."""

    def __init__(self, reason: str, spoken: str) -> None:
        super().__init__(reason)
        self.spoken = spoken


def _fetch_take(prompt_id: str, recording_sid: str) -> TakeRow:
    """Fetch the take from Twilio's API with the account's credentials; the one check every
    take passes (PromptAudio.hold) converts and checks it.

    Held for review, not live. Everything is bounded so the answer reaches Twilio in time.
    """
    config = current_app.config
    account = request.values.get("AccountSid", "")
    if not SID["AccountSid"].match(account) or account != (
        config["TWILIO_ACCOUNT_SID"] or account
    ):
        raise TakeRefused("the recording is not from this account", "That recording was refused.")
    base = str(config["TWILIO_API_BASE"]).rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{account}/Recordings/{recording_sid}.wav"
    secret = base64.b64encode(f"{account}:{config['TWILIO_AUTH_TOKEN']}".encode()).decode()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "take.wav"
        try:
            deadline = float(config["FETCH_SECONDS"])
            raw.write_bytes(fetch(url, {"Authorization": f"Basic {secret}"}, deadline))
        except FetchFailed as e:
            current_app.logger.warning("a recording could not be fetched: %s", e)
            raise TakeRefused(str(e), "That could not be fetched, please try again.") from e
        try:
            return _prompts().hold(prompt_id, raw, PHONE, "the recording").row
        except IvrError as e:
            current_app.logger.warning("a recording was refused: %s", e)
            raise TakeRefused(str(e), _spoken_reason(str(e))) from e


def _spoken_reason(reason: str) -> str:
    for word, spoken in (
        ("Another upload", "Another recording is being saved. Please try again in a minute."),
        ("silent", "That recording was silent."),
        ("clipped", "That recording was too loud and is distorted."),
        ("missing", "That recording was too short for the words of this prompt."),
        ("lasts", "That recording was too long."),
    ):
        if word in reason:
            return spoken
    return "That recording could not be used."
