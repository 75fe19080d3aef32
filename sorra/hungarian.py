"""Hungarian number words and the suffixes a ticket call needs (pure functions).

A Hungarian office reads a ticket "A042" to counter 3 as

    written:  "Az A 42-es sorszámot várjuk a 3-as ablakhoz."
    spoken:   "Az á negyvenkettes sorszámot várjuk a hármas ablakhoz."

Three grammatical pieces are involved, all decided by *sounds*, not digits:

* the **-s adjective** of a number ("negyvenkettes", "hármas", "ötös", "hatos"):
  its vowel (-as/-es/-os/-ös) is a lexical property of the *last spoken number
  word* (hat → hatos but három → hármas), so it comes from a table of the 21
  base words; the written form copies it after a hyphen ("46-os", "43-as");
* the **allative** -hoz/-hez/-höz ("ablakhoz", "ötöshöz", "kilenceshez"),
  chosen by vowel harmony;
* the **article** "a"/"az": "az" before a vowel *sound* ("az ötös", "az A" because
  the letter A is read "á", but "a B" because B is read "bé").

Numbers are spelled up to 999 999 999 with the 2000-hyphen rule
("kétezer-egy", but "ezerkilencszázkilencvenkilenc").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Word",
    "LETTER_NAMES",
    "allative",
    "article",
    "cardinal",
    "letter_name",
    "number_words",
    "numeral_s",
    "s_form",
    "s_suffix",
]

VOWELS = set("aáeéiíoóöőuúüű")
BACK = set("aáoóuú")
FRONT_ROUNDED = set("öőüű")
NEUTRAL = set("eéií")


@dataclass(frozen=True)
class Word:
    """One recordable piece of a spoken number: a voice-pack key and its text."""

    key: str
    text: str


# base word: (plain text, -s adjective, compounding prefix text)
# The -s adjective decides the written suffix ("3-as" from "hármas").
_UNITS: dict[int, tuple[str, str]] = {
    0: ("nulla", "nullás"),
    1: ("egy", "egyes"),
    2: ("kettő", "kettes"),
    3: ("három", "hármas"),
    4: ("négy", "négyes"),
    5: ("öt", "ötös"),
    6: ("hat", "hatos"),
    7: ("hét", "hetes"),
    8: ("nyolc", "nyolcas"),
    9: ("kilenc", "kilences"),
}
_TENS: dict[int, tuple[str, str]] = {
    10: ("tíz", "tizes"),
    20: ("húsz", "huszas"),
    30: ("harminc", "harmincas"),
    40: ("negyven", "negyvenes"),
    50: ("ötven", "ötvenes"),
    60: ("hatvan", "hatvanas"),
    70: ("hetven", "hetvenes"),
    80: ("nyolcvan", "nyolcvanas"),
    90: ("kilencven", "kilencvenes"),
}
# 11-19 and 21-29 use a prefix form: tizen-, huszon-
_TENS_PREFIX = {10: "tizen", 20: "huszon"}
_POWERS: dict[int, tuple[str, str]] = {
    100: ("száz", "százas"),
    1000: ("ezer", "ezres"),
    1_000_000: ("millió", "milliós"),
}

# The written suffix after the digits: "42-es", "3-as", "0-s".
_WRITTEN_SUFFIX = {
    "nullás": "s",
    "egyes": "es",
    "kettes": "es",
    "hármas": "as",
    "négyes": "es",
    "ötös": "ös",
    "hatos": "os",
    "hetes": "es",
    "nyolcas": "as",
    "kilences": "es",
    "tizes": "es",
    "huszas": "as",
    "harmincas": "as",
    "negyvenes": "es",
    "ötvenes": "es",
    "hatvanas": "as",
    "hetvenes": "es",
    "nyolcvanas": "as",
    "kilencvenes": "es",
    "százas": "as",
    "ezres": "es",
    "milliós": "s",
}

MAX_NUMBER = 999_999_999


def _below_thousand(n: int, final_s: bool) -> list[Word]:
    """Words of 1..999; the last word in its -s form when ``final_s``."""
    words: list[Word] = []
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    if hundreds:
        if hundreds > 1:
            words.append(_multiplier(hundreds))
        last = rest == 0
        words.append(Word("n100s", "százas") if (last and final_s) else Word("n100", "száz"))
    if tens:
        t = tens * 10
        if units and t in _TENS_PREFIX:
            words.append(Word(f"n{t}p", _TENS_PREFIX[t]))
        else:
            plain, s = _TENS[t]
            words.append(Word(f"n{t}s", s) if (not units and final_s) else Word(f"n{t}", plain))
    if units:
        plain, s = _UNITS[units]
        words.append(Word(f"n{units}s", s) if final_s else Word(f"n{units}", plain))
    return words


def _multiplier(n: int) -> Word:
    """A unit before száz/ezer: "két" for 2 (kétszáz, kétezer), else the plain word."""
    if n == 2:
        return Word("n2m", "két")
    return Word(f"n{n}", _UNITS[n][0])


def _group_multiplier(n: int) -> list[Word]:
    """The words before "ezer"/"millió" (1..999), e.g. 2 → "két", 42 → "negyvenkét"."""
    if n < 10:
        return [_multiplier(n)]
    words = _below_thousand(n, final_s=False)
    last = words[-1]
    if last.key == "n2":  # negyvenkétezer (the attributive "két" inside a compound)
        words[-1] = Word("n2m", "két")
    return words


def number_words(n: int, final_s: bool = False) -> list[list[Word]]:
    """The number as groups of words; groups are joined by a hyphen when written.

    ``final_s``: the last word in its -s adjective form ("negyvenkettes").
    The 2000 rule: above 2000, a number whose thousands are followed by
    something is hyphenated at the group boundary ("kétezer-egy").
    """
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"cannot spell {n}: 0..{MAX_NUMBER}")
    if n == 0:
        plain, s = _UNITS[0]
        return [[Word("n0s", s) if final_s else Word("n0", plain)]]
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    groups: list[list[Word]] = []
    if millions:
        g = [] if millions == 1 else _group_multiplier(millions)
        if millions == 1:
            g.append(Word("n1", "egy"))
        last = rest == 0
        g.append(Word("n1000000s", "milliós") if (last and final_s) else Word("n1000000", "millió"))
        groups.append(g)
    if thousands:
        g = [] if thousands == 1 else _group_multiplier(thousands)
        last = units == 0
        g.append(Word("n1000s", "ezres") if (last and final_s) else Word("n1000", "ezer"))
        groups.append(g)
    if units:
        groups.append(_below_thousand(units, final_s))
    if n <= 2000:
        # no hyphen: one written word ("ezerkilencszázkilencvenkilenc", "kétezer")
        return [[w for g in groups for w in g]]
    return groups


def _join(groups: list[list[Word]]) -> str:
    return "-".join("".join(w.text for w in g) for g in groups)


def cardinal(n: int) -> str:
    """``42`` → "negyvenkettő"; ``2001`` → "kétezer-egy"."""
    return _join(number_words(n))


def s_form(n: int) -> str:
    """The -s adjective: ``42`` → "negyvenkettes", ``3`` → "hármas", ``1000`` → "ezres"."""
    return _join(number_words(n, final_s=True))


def s_suffix(n: int) -> str:
    """The written suffix after digits: ``43`` → "as" (as in "43-as")."""
    last = number_words(n, final_s=True)[-1][-1].text
    return _WRITTEN_SUFFIX[last]


def numeral_s(n: int) -> str:
    """``42`` → "42-es", ``5`` → "5-ös", ``0`` → "0-s"."""
    return f"{n}-{s_suffix(n)}"


def _harmony(word: str) -> str:
    """'back', 'front' or 'rounded' for choosing -hoz/-hez/-höz."""
    vowels = [c for c in word.lower() if c in VOWELS]
    if not vowels:
        return "front"  # letters read as names, digits: callers pass words
    last = vowels[-1]
    if last in FRONT_ROUNDED:
        return "rounded"
    if last in BACK:
        return "back"
    # a neutral last vowel (e é i í): back if the word has back vowels ("papír", "kávé")
    return "back" if any(v in BACK for v in vowels) else "front"


def allative(word: str) -> str:
    """Add -hoz/-hez/-höz: "ablak" → "ablakhoz", "ötös" → "ötöshöz", "szoba" → "szobához".

    For a compound number adjective, harmony follows its last component, so
    pass the whole word: the -s forms all end in a single-harmony component
    ("hatvanegyes" → "hatvanegyeshez").
    """
    if not word:
        raise ValueError("empty word")
    base = word
    last_component = _last_number_component(word)
    harmony = _harmony(last_component or word)
    # final a/e lengthens before a suffix: szoba → szobá-, terme → termé-
    if base[-1] == "a":
        base = base[:-1] + "á"
    elif base[-1] == "e":
        base = base[:-1] + "é"
    suffix = {"back": "hoz", "front": "hez", "rounded": "höz"}[harmony]
    return base + suffix


def _last_number_component(word: str) -> str:
    """If ``word`` ends in a number's -s form, that base form ("hatvanegyes" → "egyes")."""
    lower = word.lower()
    for s in sorted(_WRITTEN_SUFFIX, key=len, reverse=True):
        if lower.endswith(s):
            return s
    return ""


# How letters of a ticket prefix are read aloud ("A" → "á", as in "á-négyes papír").
LETTER_NAMES: dict[str, str] = {
    "A": "á", "Á": "á", "B": "bé", "C": "cé", "D": "dé", "E": "é", "É": "é",
    "F": "ef", "G": "gé", "H": "há", "I": "í", "Í": "í", "J": "jé", "K": "ká",
    "L": "el", "M": "em", "N": "en", "O": "ó", "Ó": "ó", "Ö": "ö", "Ő": "ő",
    "P": "pé", "Q": "kú", "R": "er", "S": "es", "T": "té", "U": "ú", "Ú": "ú",
    "Ü": "ü", "Ű": "ű", "V": "vé", "W": "duplavé", "X": "iksz", "Y": "ipszilon",
    "Z": "zé",
}


def letter_name(letter: str) -> str:
    return LETTER_NAMES.get(letter.upper(), letter.lower())


def article(spoken_next_word: str) -> str:
    """"az" before a vowel sound, else "a": article("ötös") → "az", article("bé") → "a"."""
    first = spoken_next_word[:1].lower()
    return "az" if first in VOWELS else "a"
