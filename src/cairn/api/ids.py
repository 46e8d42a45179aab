"""Public ids: every integer id leaves Cairn as a 7-character opaque string.

The id and its kind are packed into one number and scrambled by an invertible permutation of
0 … 62**7 - 1 (multiply, reverse the base-62 digits, multiply again), then written in base 62.
Decoding checks the kind, so a list id never names a metric.
The scheme hides row counts and order from casual view; it is not a secret.
"""

from __future__ import annotations

import string

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
WIDTH = 7
SPACE = len(ALPHABET) ** WIDTH
SLOTS = 8
KINDS = {
    "webhook": 0,
    "metric": 1,
    "event": 2,
    "person": 3,
    "list": 4,
    "segment": 5,
    "integration": 6,
    "campaign": 7,
}
# Odd and not multiples of 31, hence invertible modulo 62**7.
_FACTORS = (2_654_435_761, 40_503_551)
_INVERSES = tuple(pow(factor, -1, SPACE) for factor in _FACTORS)
_DIGITS = {char: index for index, char in enumerate(ALPHABET)}
MAX_ID = SPACE // SLOTS - 1


def _digits(number: int) -> list[int]:
    digits = []
    for _ in range(WIDTH):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(digit)
    return digits  # least significant first


def _number(digits: list[int]) -> int:
    number = 0
    for digit in reversed(digits):
        number = number * len(ALPHABET) + digit
    return number


def encode(kind: str, number: int) -> str:
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{kind} id {number} is out of range")
    packed = (number * SLOTS + KINDS[kind]) * _FACTORS[0] % SPACE
    scrambled = _number(list(reversed(_digits(packed)))) * _FACTORS[1] % SPACE
    return "".join(ALPHABET[digit] for digit in reversed(_digits(scrambled)))


def decode(kind: str, text: str) -> int | None:
    """The integer id behind `text`, or None when it is not a `kind` id."""
    if len(text) != WIDTH or any(char not in _DIGITS for char in text):
        return None
    scrambled = _number([_DIGITS[char] for char in reversed(text)])
    reversed_packed = scrambled * _INVERSES[1] % SPACE
    packed = _number(list(reversed(_digits(reversed_packed)))) * _INVERSES[0] % SPACE
    number, tag = divmod(packed, SLOTS)
    return number if tag == KINDS[kind] and number > 0 else None
