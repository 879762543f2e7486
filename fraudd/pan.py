"""Card-number hygiene (invariant 7): find and mask anything that looks like a full PAN.

A PAN here is 13–19 consecutive digits passing the Luhn check. Used to mask raw bytes before
they are quarantined, and by the security test that scans everything fraudd wrote.
"""

from __future__ import annotations

import re

_DIGIT_RUN = re.compile(rb"(?<![0-9])[0-9]{13,19}(?![0-9])")


def luhn_ok(digits: bytes | str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    text = digits.decode() if isinstance(digits, bytes) else digits
    total = 0
    for i, ch in enumerate(reversed(text)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_pans(data: bytes) -> list[bytes]:
    """Every digit run in ``data`` that could be a full card number."""
    return [m.group() for m in _DIGIT_RUN.finditer(data) if luhn_ok(m.group())]


def redact_pans(data: bytes) -> bytes:
    """``data`` with each PAN-like run masked except its last four digits."""

    def mask(m: re.Match[bytes]) -> bytes:
        run = m.group()
        return b"*" * (len(run) - 4) + run[-4:] if luhn_ok(run) else run

    return _DIGIT_RUN.sub(mask, data)
