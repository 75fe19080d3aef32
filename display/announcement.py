"""What a call says, in words: the written line, the text for TTS, the voice-pack pieces.

``build(number="A042", counter=3, lang="hu")`` gives an :class:`Announcement`:

=========  ==========================================================
written    "Az A 42-es sorszámot várjuk a 3-as ablakhoz."
spoken     "Az á negyvenkettes sorszámot várjuk a hármas ablakhoz."
words      [art_az, letter_a, n40, n2s, ticket_wait, art_a, n3s, counter_to]
=========  ==========================================================

``words`` are :class:`~display.hungarian.Word` (key, text); a recorded voice
pack has one WAV per key (``display.voicepack.script()`` lists them all).
English: "Ticket A-42, please go to counter 3." A recall is announced again
with "Ismét várjuk …" / "Once again: …".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from display import hungarian as hu
from display.hungarian import Word

__all__ = ["Announcement", "build", "parse_ticket", "LANGS"]

LANGS = ("hu", "en")

_TICKET = re.compile(r"^\s*([^\W\d_]*)[\s-]*(\d+)\s*$")


@dataclass(frozen=True)
class Announcement:
    lang: str
    number: str
    counter: int
    recall: bool
    written: str
    spoken: str
    words: list[Word] = field(default_factory=list)


def parse_ticket(number: str) -> tuple[str, int | None]:
    """"A042" → ("A", 42); "042" → ("", 42); something else → (number, None)."""
    m = _TICKET.match(number)
    if not m:
        return number.strip(), None
    return m.group(1).upper(), int(m.group(2))


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- Hungarian -----------------------------------------------------------------


def _hu_ticket(number: str) -> tuple[str, str, list[Word]]:
    """(written, spoken, words) of the ticket part, without article: "A 42-es"."""
    letters, n = parse_ticket(number)
    if n is None or n > hu.MAX_NUMBER:
        return number, number, [Word("raw", number)]
    letter_words = [Word(f"letter_{_ascii_key(c)}", hu.letter_name(c)) for c in letters]
    groups = hu.number_words(n, final_s=True)
    num_words = [w for g in groups for w in g]
    spoken_num = "-".join("".join(w.text for w in g) for g in groups)
    written = " ".join(x for x in (letters, hu.numeral_s(n)) if x)
    spoken = " ".join([w.text for w in letter_words] + [spoken_num])
    return written, spoken, letter_words + num_words


def _hu_counter(counter: int, counter_word: str) -> tuple[str, str, list[Word]]:
    """(written, spoken, words) of "3-as ablakhoz", without article."""
    groups = hu.number_words(counter, final_s=True)
    spoken_num = "-".join("".join(w.text for w in g) for g in groups)
    target = hu.allative(counter_word)
    key = "counter_to" if counter_word == "ablak" else f"counter_to_{_ascii_key(counter_word)}"
    words = [w for g in groups for w in g] + [Word(key, target)]
    return f"{hu.numeral_s(counter)} {target}", f"{spoken_num} {target}", words


def _art(spoken_next: str) -> Word:
    a = hu.article(spoken_next)
    return Word(f"art_{a}", a)


def _build_hu(number: str, counter: int, recall: bool, counter_word: str) -> Announcement:
    t_written, t_spoken, t_words = _hu_ticket(number)
    c_written, c_spoken, c_words = _hu_counter(counter, counter_word)
    t_art, c_art = _art(t_spoken), _art(c_spoken)
    if recall:
        written = f"Ismét várjuk {t_art.text} {t_written} sorszámot {c_art.text} {c_written}."
        spoken = f"Ismét várjuk {t_art.text} {t_spoken} sorszámot {c_art.text} {c_spoken}."
        words = [Word("again_wait", "ismét várjuk"), t_art, *t_words, Word("ticket", "sorszámot"),
                 c_art, *c_words]
    else:
        written = f"{_capitalize(t_art.text)} {t_written} sorszámot várjuk {c_art.text} {c_written}."
        spoken = f"{_capitalize(t_art.text)} {t_spoken} sorszámot várjuk {c_art.text} {c_spoken}."
        words = [t_art, *t_words, Word("ticket_wait", "sorszámot várjuk"), c_art, *c_words]
    return Announcement("hu", number, counter, recall, written, spoken, words)


# ---- English -------------------------------------------------------------------

_EN_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
            80: "eighty", 90: "ninety"}


def en_number_words(n: int) -> list[Word]:
    """English number words as recordable pieces (0..999 999)."""
    if not 0 <= n <= 999_999:
        raise ValueError(f"cannot spell {n}")
    if n < 20:
        return [Word(f"n{n}", _EN_SMALL[n])]
    words: list[Word] = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        words += en_number_words(thousands) + [Word("n1000", "thousand")]
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        words += [Word(f"n{hundreds}", _EN_SMALL[hundreds]), Word("n100", "hundred")]
    if rest:
        if rest < 20:
            words.append(Word(f"n{rest}", _EN_SMALL[rest]))
        else:
            tens, units = divmod(rest, 10)
            words.append(Word(f"n{tens * 10}", _EN_TENS[tens * 10]))
            if units:
                words.append(Word(f"n{units}", _EN_SMALL[units]))
    return words


def _build_en(number: str, counter: int, recall: bool, counter_word: str) -> Announcement:
    letters, n = parse_ticket(number)
    if n is None or n > 999_999:
        t_written = t_spoken = number
        t_words = [Word("raw", number)]
    else:
        t_written = f"{letters} {n}" if letters else str(n)
        # espeak reads "A-42" as the letter name; "A 42" would be the article
        t_spoken = f"{letters}-{n}" if letters else str(n)
        t_words = [Word(f"letter_{_ascii_key(c)}", c) for c in letters] + en_number_words(n)
    c_words = en_number_words(counter) if counter <= 999_999 else [Word("raw", str(counter))]
    go = f"please go to {counter_word}"
    lead = "Once again: ticket" if recall else "Ticket"
    written = f"{lead} {t_written}, {go} {counter}."
    spoken = f"{lead} {t_spoken}, {go} {counter}."
    words = ([Word("again", "once again")] if recall else []) + [Word("ticket", "ticket"), *t_words,
             Word("go_to_counter" if counter_word == "counter" else
                  f"go_to_{_ascii_key(counter_word)}", go), *c_words]
    return Announcement("en", number, counter, recall, written, spoken, words)


def _ascii_key(text: str) -> str:
    table = str.maketrans("áéíóöőúüű", "aeiooouuu")
    key = re.sub(r"[^a-z0-9]+", "_", text.lower().translate(table)).strip("_")
    return key or "x"


def build(
    number: str,
    counter: int,
    lang: str = "hu",
    *,
    recall: bool = False,
    counter_word: str | None = None,
) -> Announcement:
    """The announcement of ``number`` called to ``counter`` in ``lang`` ("hu" or "en")."""
    if lang == "en":
        return _build_en(number, counter, recall, counter_word or "counter")
    return _build_hu(number, counter, recall, counter_word or "ablak")
