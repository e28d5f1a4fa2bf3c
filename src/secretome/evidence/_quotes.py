"""The numbers a verbatim quote states: the honesty check of the corpus.

A value in a study file is accepted only if its provenance quote states it. Quotes are copied from
web pages, PubMed text and PDFs, so the same number is written many ways; :func:`quote_numbers`
reads every plausible reading of each number and :func:`quote_states` compares exactly (decimal
arithmetic, so ``23.0`` in a file matches ``23`` in a quote, and ``1e7`` matches ``10 × 10^6``).

Readings recognised (each found in the sources of the corpus):

- minus signs: ``−`` (U+2212), ``‒``, ``–``; a hyphen or dash right after a letter or digit is a
  range (``57-64``), after a space it may be either (``from -5.0``, ``3 - 5``), so both are read;
- plus-minus: ``±``, ``+/-``, ``+-`` separate two numbers (``18.5±2.1`` is 18.5 and 2.1);
- powers of ten: ``10 × 10^6``, ``10 x 10(6)`` (PubMed's flattened superscript), ``10 × 10⁶``,
  ``10×10<sup>6</sup>``, ``1.5e7``, a bare ``10^6``; and ``10 × 106``, which is how PubMed prints
  ``10 × 10⁶`` once the superscript is lost, read both as 10^6 times the mantissa and literally;
- words for powers: ``3.9 million``, ``3.9M``; where a quote says ``million`` or ``billion`` anywhere,
  every number in it is also read with that factor (``25, 50, 75, or 150 million cells``);
- thousands separators: ``1,250`` and ``1 250`` (thin or no-break space, not a plain space) read as 1250 *and* as two
  numbers, because ``(3,250)`` may be a pair.

>>> quote_states("median 2 (IQR 0, 4) and −4 (−18, 0)", -18)
True
>>> quote_states("mean 58.3 ± 9.6 years", 9.6)
True
>>> quote_states("10 × 10(6) cultured autologous BM-MSCs", 10_000_000)
True
>>> quote_states("WOMAC decreased from 22.55 to 13.23", 13.2)
False
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["number_literal", "quote_numbers", "quote_states"]

_MINUS = "\u2212\ufe63\uff0d"  # typographic minus signs: always a sign
_DASHES = "\u2010\u2011\u2012\u2013\u2014"  # hyphen, dashes: a range after a digit, maybe a sign after a space
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SPACES = "\u00a0\u2009\u202f\u2007"  # no-break and thin spaces used as thousands separators

_NUMBER = re.compile(r"(?<![\w.])(-?)(\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+))?(?![\d])")
_POWER = re.compile(
    r"(\d+(?:\.\d+)?)\s*[×xX*·]\s*10\s*"
    r"(?:\^\s*\(?(-?\d+)\)?|\((-?\d+)\)|<sup>\s*(-?\d+)\s*</sup>|\*\*\s*(-?\d+)|[eE](\d{1,2})|(\d{1,2})(?!\d))"
)
_SUFFIX = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?M(?![A-Za-z])")
_WORDS = {"thousand": 3, "million": 6, "billion": 9}
_BARE_POWER = re.compile(r"(?<![\d.×xX*])\s*10\s*\^\s*\(?(-?\d+)\)?")
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u2009\u202f\u2007](?=\d{3}(?!\d))")


def _normalise(quote: str) -> str:
    text = quote.replace("+/-", " ± ").replace("+-", " ± ").replace("±", " ± ")
    for char in _MINUS:
        text = text.replace(char, "\x00")  # placeholder: a sure minus, kept apart from hyphens
    for char in _DASHES:
        text = text.replace(char, "-")
    # Superscript exponents (10⁶) become 10^6 so one pattern reads every power-of-ten form.
    text = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), text)
    return text


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _plain_numbers(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in _NUMBER.finditer(text.replace("\x00", "-")):
        sign, digits, exponent = match.groups()
        value = _decimal(digits + (f"e{exponent}" if exponent else ""))
        if value is None:
            continue
        start = match.start()
        original = text[start] if sign else ""
        before = text[start - 1] if start > 0 else " "
        if not sign:
            found.add(value)
        elif original == "\x00" or not before.isspace():
            # A typographic minus is always a sign; a hyphen after '(' or '=' is one too.
            found.add(-value)
        else:
            found.update((value, -value))  # "3 - 5" (a range) or "from -5" (a sign)
    # A hyphen glued to a preceding digit or letter is a range or a compound, never a sign.
    for match in re.finditer(r"(?<=[\w)%])-(\d+(?:\.\d+)?)", text):
        value = _decimal(match.group(1))
        if value is not None:
            found.add(value)
    return found


def _powers(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    signed = text.replace("\x00", "-")
    for match in _POWER.finditer(signed):
        exponent = next(g for g in match.groups()[1:] if g is not None)
        value = Decimal(match.group(1)).scaleb(int(exponent))
        negative = match.start() > 0 and signed[match.start() - 1] == "-"
        found.add(-value if negative else value)
    for match in _BARE_POWER.finditer(signed):
        found.add(Decimal(1).scaleb(int(match.group(1))))
    for match in _SUFFIX.finditer(signed):
        found.add(Decimal(match.group(1)).scaleb(6))
    return found


def quote_numbers(quote: str) -> frozenset[Decimal]:
    """Every number *quote* states, under each plausible reading.

    Parameters
    ----------
    quote : str
        Verbatim text from a source.

    Returns
    -------
    frozenset of Decimal
        The numbers, signed where the quote signs them.

    Examples
    --------
    >>> sorted(float(x) for x in quote_numbers("61 × 10^6 ± 0.6 × 10^6 cells"))
    [0.6, 6.0, 10.0, 61.0, 600000.0, 1000000.0, 61000000.0]
    """
    text = _normalise(quote)
    numbers = _plain_numbers(text) | _powers(text)
    lowered = text.lower()
    for word, exponent in _WORDS.items():
        if re.search(rf"\b{word}s?\b", lowered):
            numbers |= {n.scaleb(exponent) for n in _plain_numbers(text)}
    joined = _THOUSANDS.sub("", text)
    if joined != text:
        numbers |= _plain_numbers(joined) | _powers(joined)
    return frozenset(numbers)


def number_literal(text: str) -> Decimal | None:
    """The number in a short field such as a p-value (``"<0.05"``, ``"≤ 0.005"``, ``">.09"``).

    >>> number_literal("p < .05")
    Decimal('0.05')
    >>> number_literal("NS") is None
    True
    """
    numbers = _NUMBER.findall(_normalise(text).replace("\x00", "-"))
    if not numbers:
        return None
    sign, digits, exponent = numbers[0]
    return _decimal(sign + digits + (f"e{exponent}" if exponent else ""))


def quote_states(quote: str, value: float | int | Decimal) -> bool:
    """Whether *quote* states *value* (see the module docstring for the readings).

    >>> quote_states("p = 0.003", 0.003)
    True
    >>> quote_states("n = 12", 1.2)
    False
    """
    target = value if isinstance(value, Decimal) else _decimal(repr(value) if isinstance(value, float) else str(value))
    return target is not None and target in quote_numbers(quote)
