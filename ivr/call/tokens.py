"""The name of one ring of one helpline: random, so it says nothing of the call.

The caller's leg hands it to the helpline's leg in the whisper's URL; the helpline's leg
notes it when it accepts, so the caller's leg can tell a bridged call from one that was
not (Twilio's DialBridged does not always come).
"""

from __future__ import annotations

import os
import re
import threading

TOKEN = re.compile(r"^[0-9a-f]{16}$")


class _RandomBytes(threading.local):
    """The operating system's random bytes, drawn 4 KB at a time for each thread.

    One draw a request made every webhook thread give up the interpreter's lock for a
    system call, and wait to get it back behind the others (bench/webhooks.py). The
    bytes are as random as os.urandom's; a process forked with a buffer draws anew.
    """

    def __init__(self) -> None:
        self.buffer, self.at, self.pid = b"", 0, 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.buffer) or self.pid != os.getpid():
            self.buffer, self.at, self.pid = os.urandom(4096), 0, os.getpid()
        self.at += size
        return self.buffer[self.at - size : self.at]


_RANDOM = _RandomBytes()


def new_token() -> str:
    """A fresh name for one ring of one helpline: random, so it says nothing of the call."""
    return _RANDOM.take(8).hex()
