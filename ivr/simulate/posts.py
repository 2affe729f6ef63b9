"""What Twilio posts to the line's webhooks for what happened on a call: a caller's keys or
words, a recording, a dial's end (with the quirks Twilio has been seen to have)."""

from __future__ import annotations

from ivr.simulate.call import ACCOUNT, Input, keys_pressed


def recording(take: str, api_base: str) -> dict[str, str]:
    """What Twilio posts after a <Record>; the take names the recording's SID."""
    sid = "RE" + take.encode().hex()[:32].ljust(32, "0")
    url = f"{api_base}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"
    # Twilio documents RecordingUrl for the action; RecordingSid does not always come
    return {"RecordingUrl": url, "RecordingDuration": "3"}


def posted_input(
    said: Input,
    finish_on_key: str,
    listens: str = "dtmf speech",
    quirks: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """What Twilio posts for an input; {} when nothing reaches the app (words said to
    a <Gather> that listens for keys only are not heard)."""
    if said is None:
        return {}
    if keys_pressed(said):
        # The finish key ends the input and never reaches Digits
        digits = said.split(finish_on_key)[0] if finish_on_key else said
        return {"Digits": digits} if digits else {}
    if "speech" not in listens.split():
        return {}
    confidence = {"confidence-0": "0", "no-confidence": None}.get(
        next((q for q in quirks if "confidence" in q), ""), "0.92"
    )
    return {"SpeechResult": said} | ({"Confidence": confidence} if confidence else {})


def dial_result(
    status: str, bridged: bool, caller_ends: bool = False, quirks: frozenset[str] = frozenset()
) -> dict[str, str]:
    """What Twilio posts to a <Dial action>; DialBridged is not always there.

    When the caller hangs up after talking, Twilio still calls the action, with the
    call completed (DialBridged=true says they were connected)."""
    call_status = "completed" if caller_ends else "in-progress"
    result = {"DialCallStatus": status, "CallStatus": call_status}
    if "no-dial-bridged" not in quirks:
        result["DialBridged"] = "true" if bridged else "false"
    return result
