"""Card-number hygiene (invariant 7): the one check every door applies, and the masking.

A PAN here is 13–19 digits passing the Luhn check, written as one run or split into groups by
one kind of separator — space, ``-``, ``_``, ``.`` or ``:`` (``4111 1111 1111 1111``,
``5500:0000:0000:0004``). Only whole chains count: a chain is a maximal run of digit groups
joined by single separators of one kind, so the 20 digits of ``12345678901234567890`` or of
``1234-5678-9012-3456-7890`` are not a card number, while ``4111111111111111`` inside
``tok4111111111111111`` is. Mixed separators (``4111 1111-1111 1111``) are not matched: that is
what keeps timestamps (``2026-12-07 06:39:24``) from looking like card numbers. A decimal
number with 13–19 digits around its point (``1.7958753108750887``) does match: masking one in a
quarantined record costs nothing, and the security scan sets fractions aside first.

Every door refuses such input with :func:`refusal` (the wire record, history and label imports,
the notes, reasons and names people type, the console's URL segments); :func:`redact_pans`
masks raw bytes before they are quarantined; the security test scans everything fraudd wrote.
"""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = " -_.:"
MIN_DIGITS, MAX_DIGITS = 13, 19
_CHAINS = tuple(
    re.compile(rb"(?<![0-9])(?<![0-9]%b)[0-9]+(?:%b[0-9]+)*" % (sep, sep))
    for sep in (re.escape(c).encode() for c in SEPARATORS)
)
# Cheap first pass: 13 digits with at most one separator (of any kind) between each two. Every
# chain the full check could accept contains such a stretch; most text has none.
_CANDIDATE = re.compile(r"[0-9](?:[ _.:-]?[0-9]){" + str(MIN_DIGITS - 1) + "}")
_DIGIT = re.compile(rb"[0-9]")
NO_DIGITS = str.maketrans("0123456789", "qrstuvwxyz")
"""Spells hexadecimal without digits (``hex.translate(NO_DIGITS)``): the same bits, and an id
that holds no digit can never look like a card number. fraudd's own ids and tokens use it."""
CHOOSING_IDS = (
    "ids that never hold 13 digits without a letter between them (separators "
    "' ', '-', '_', '.', ':' do not count) cannot trip it: for example put a letter at least "
    "every 12 characters, or use letters only"
)


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


def _spans(data: bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every chain in ``data`` that is a card number, in order."""
    found = set()
    for chain in _CHAINS:
        for m in chain.finditer(data):
            digits = b"".join(_DIGIT.findall(m.group()))
            if MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn_ok(digits):
                found.add(m.span())
    return sorted(found)


def find_pans(data: bytes) -> list[bytes]:
    """Every chain in ``data`` that could be a full card number, as written."""
    return [data[start:end] for start, end in _spans(data)]


def holds_pan(text: str) -> bool:
    """True when ``text`` holds a card number in any form the module docstring lists (digits
    of other scripts, full-width ones included, count as the digits they stand for)."""
    if not text.isascii():
        text = _ascii_digits(text)
    return bool(_CANDIDATE.search(text)) and bool(_spans(text.encode("utf-8", "replace")))


def _ascii_digits(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in folded)


def refusal(what: str, advice: str = CHOOSING_IDS) -> str:
    """The one line a door answers with when ``what`` (a field's name, never its value)
    holds a card number; ``advice`` says how to write one that passes."""
    return (
        f"{what} holds 13-19 digits that pass the card-number (Luhn) check, "
        f"even split by spaces, '-', '_', '.' or ':'; fraudd stores no card numbers: {advice}"
    )


def redact_pans(data: bytes) -> bytes:
    """``data`` with the digits of each card number masked except its last four (separators
    are kept, so the shape stays readable)."""
    out = bytearray(data)
    for start, end in _spans(data):
        positions = [start + m.start() for m in _DIGIT.finditer(data[start:end])]
        for i in positions[:-4]:
            out[i] = ord("*")
    return bytes(out)
