"""Hungarian number words, -s adjectives, written suffixes, allative and article: full tables."""

from __future__ import annotations

import pytest

from display import hungarian as hu
from display.announcement import build, parse_ticket

# n: (cardinal, -s adjective, written)
TABLE = {
    0: ("nulla", "nullás", "0-s"),
    1: ("egy", "egyes", "1-es"),
    2: ("kettő", "kettes", "2-es"),
    3: ("három", "hármas", "3-as"),
    4: ("négy", "négyes", "4-es"),
    5: ("öt", "ötös", "5-ös"),
    6: ("hat", "hatos", "6-os"),
    7: ("hét", "hetes", "7-es"),
    8: ("nyolc", "nyolcas", "8-as"),
    9: ("kilenc", "kilences", "9-es"),
    10: ("tíz", "tizes", "10-es"),
    11: ("tizenegy", "tizenegyes", "11-es"),
    12: ("tizenkettő", "tizenkettes", "12-es"),
    13: ("tizenhárom", "tizenhármas", "13-as"),
    15: ("tizenöt", "tizenötös", "15-ös"),
    16: ("tizenhat", "tizenhatos", "16-os"),
    19: ("tizenkilenc", "tizenkilences", "19-es"),
    20: ("húsz", "huszas", "20-as"),
    21: ("huszonegy", "huszonegyes", "21-es"),
    25: ("huszonöt", "huszonötös", "25-ös"),
    30: ("harminc", "harmincas", "30-as"),
    33: ("harminchárom", "harminchármas", "33-as"),
    40: ("negyven", "negyvenes", "40-es"),
    42: ("negyvenkettő", "negyvenkettes", "42-es"),
    43: ("negyvenhárom", "negyvenhármas", "43-as"),
    44: ("negyvennégy", "negyvennégyes", "44-es"),
    45: ("negyvenöt", "negyvenötös", "45-ös"),
    46: ("negyvenhat", "negyvenhatos", "46-os"),
    47: ("negyvenhét", "negyvenhetes", "47-es"),
    48: ("negyvennyolc", "negyvennyolcas", "48-as"),
    49: ("negyvenkilenc", "negyvenkilences", "49-es"),
    50: ("ötven", "ötvenes", "50-es"),
    60: ("hatvan", "hatvanas", "60-as"),
    66: ("hatvanhat", "hatvanhatos", "66-os"),
    70: ("hetven", "hetvenes", "70-es"),
    77: ("hetvenhét", "hetvenhetes", "77-es"),
    80: ("nyolcvan", "nyolcvanas", "80-as"),
    90: ("kilencven", "kilencvenes", "90-es"),
    99: ("kilencvenkilenc", "kilencvenkilences", "99-es"),
    100: ("száz", "százas", "100-as"),
    101: ("százegy", "százegyes", "101-es"),
    105: ("százöt", "százötös", "105-ös"),
    110: ("száztíz", "száztizes", "110-es"),
    120: ("százhúsz", "százhuszas", "120-as"),
    200: ("kétszáz", "kétszázas", "200-as"),
    222: ("kétszázhuszonkettő", "kétszázhuszonkettes", "222-es"),
    300: ("háromszáz", "háromszázas", "300-as"),
    342: ("háromszáznegyvenkettő", "háromszáznegyvenkettes", "342-es"),
    500: ("ötszáz", "ötszázas", "500-as"),
    999: ("kilencszázkilencvenkilenc", "kilencszázkilencvenkilences", "999-es"),
    1000: ("ezer", "ezres", "1000-es"),
    1001: ("ezeregy", "ezeregyes", "1001-es"),
    1100: ("ezerszáz", "ezerszázas", "1100-as"),
    1999: ("ezerkilencszázkilencvenkilenc", "ezerkilencszázkilencvenkilences", "1999-es"),
    2000: ("kétezer", "kétezres", "2000-es"),
    2001: ("kétezer-egy", "kétezer-egyes", "2001-es"),
    2345: ("kétezer-háromszáznegyvenöt", "kétezer-háromszáznegyvenötös", "2345-ös"),
    5000: ("ötezer", "ötezres", "5000-es"),
    12000: ("tizenkétezer", "tizenkétezres", "12000-es"),
    42000: ("negyvenkétezer", "negyvenkétezres", "42000-es"),
    100000: ("százezer", "százezres", "100000-es"),
    1000000: ("egymillió", "egymilliós", "1000000-s"),
    3000003: ("hárommillió-három", "hárommillió-hármas", "3000003-as"),
}


@pytest.mark.parametrize(("n", "expected"), sorted(TABLE.items()))
def test_number_table(n: int, expected: tuple[str, str, str]) -> None:
    cardinal, s_form, written = expected
    assert hu.cardinal(n) == cardinal
    assert hu.s_form(n) == s_form
    assert hu.numeral_s(n) == written


def test_the_issue_examples() -> None:
    assert [hu.numeral_s(n) for n in (42, 43, 45, 46)] == ["42-es", "43-as", "45-ös", "46-os"]
    assert f"{hu.numeral_s(3)} {hu.allative('ablak')}" == "3-as ablakhoz"
    assert f"{hu.numeral_s(5)} {hu.allative('ablak')}" == "5-ös ablakhoz"


def test_every_number_is_consistent() -> None:
    for n in [*range(0, 10_001), *range(10_000, 1_000_001, 997), hu.MAX_NUMBER]:
        _check_consistent(n)


def _check_consistent(n: int) -> None:
    """The written suffix is the spoken word's ending, and its vowel obeys vowel harmony."""
    s_form = hu.s_form(n)
    suffix = hu.s_suffix(n)
    assert s_form.endswith(suffix)
    assert hu.numeral_s(n) == f"{n}-{suffix}"
    vowel = suffix[0] if len(suffix) > 1 else ""
    last_word = hu.number_words(n, final_s=True)[-1][-1].text
    stem_vowels = [c for c in last_word[: -len(suffix)] if c in hu.VOWELS]
    if vowel == "ö":
        assert stem_vowels[-1] in "öő"
    elif vowel in "ao":
        assert any(v in hu.BACK for v in stem_vowels)
    elif vowel == "e":
        assert not any(v in hu.BACK for v in stem_vowels)
    # -hoz/-hez/-höz follow the same harmony as the -s suffix
    expected = {"a": "hoz", "o": "hoz", "e": "hez", "ö": "höz", "": "hoz"}[vowel]
    assert hu.allative(s_form).endswith(expected)


ALLATIVE = {
    "ablak": "ablakhoz",
    "pult": "pulthoz",
    "szoba": "szobához",
    "iroda": "irodához",
    "kassza": "kasszához",
    "pénztár": "pénztárhoz",
    "asztal": "asztalhoz",
    "terem": "teremhez",
    "fülke": "fülkéhez",
    "ügyfélszolgálat": "ügyfélszolgálathoz",
    "papír": "papírhoz",
    "kávé": "kávéhoz",
    "bőr": "bőrhöz",
    "egyes": "egyeshez",
    "kettes": "ketteshez",
    "hármas": "hármashoz",
    "ötös": "ötöshöz",
    "hatos": "hatoshoz",
    "kilences": "kilenceshez",
    "hatvanegyes": "hatvanegyeshez",
    "hatvanötös": "hatvanötöshöz",
    "negyvenhatos": "negyvenhatoshoz",
    "ezres": "ezreshez",
    "nullás": "nulláshoz",
}


@pytest.mark.parametrize(("word", "expected"), sorted(ALLATIVE.items()))
def test_allative(word: str, expected: str) -> None:
    assert hu.allative(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("egyes", "az"), ("ötös", "az"), ("ötvenes", "az"), ("ezres", "az"), ("á", "az"),
     ("é", "az"), ("ef", "az"), ("es", "az"), ("kettes", "a"), ("hármas", "a"), ("bé", "a"),
     ("cé", "a"), ("nullás", "a"), ("tizes", "a"), ("huszas", "a")],
)
def test_article(word: str, expected: str) -> None:
    assert hu.article(word) == expected


def test_letter_names() -> None:
    assert [hu.letter_name(c) for c in "ABCEFSXY"] == ["á", "bé", "cé", "é", "ef", "es", "iksz", "ipszilon"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [("A042", ("A", 42)), ("042", ("", 42)), ("B7", ("B", 7)), ("ab-12", ("AB", 12)),
     ("A 5", ("A", 5)), ("???", ("???", None))],
)
def test_parse_ticket(number: str, expected: tuple[str, int | None]) -> None:
    assert parse_ticket(number) == expected


SENTENCES = [
    # (number, counter, lang, recall) → (written, spoken)
    (("A042", 3, "hu", False),
     ("Az A 42-es sorszámot várjuk a 3-as ablakhoz.",
      "Az á negyvenkettes sorszámot várjuk a hármas ablakhoz.")),
    (("A043", 5, "hu", False),
     ("Az A 43-as sorszámot várjuk az 5-ös ablakhoz.",
      "Az á negyvenhármas sorszámot várjuk az ötös ablakhoz.")),
    (("B045", 1, "hu", False),
     ("A B 45-ös sorszámot várjuk az 1-es ablakhoz.",
      "A bé negyvenötös sorszámot várjuk az egyes ablakhoz.")),
    (("C046", 12, "hu", False),
     ("A C 46-os sorszámot várjuk a 12-es ablakhoz.",
      "A cé negyvenhatos sorszámot várjuk a tizenkettes ablakhoz.")),
    (("E100", 50, "hu", False),
     ("Az E 100-as sorszámot várjuk az 50-es ablakhoz.",
      "Az é százas sorszámot várjuk az ötvenes ablakhoz.")),
    (("007", 2, "hu", False),
     ("A 7-es sorszámot várjuk a 2-es ablakhoz.",
      "A hetes sorszámot várjuk a kettes ablakhoz.")),
    (("015", 6, "hu", False),
     ("A 15-ös sorszámot várjuk a 6-os ablakhoz.",
      "A tizenötös sorszámot várjuk a hatos ablakhoz.")),
    (("001", 1, "hu", False),
     ("Az 1-es sorszámot várjuk az 1-es ablakhoz.",
      "Az egyes sorszámot várjuk az egyes ablakhoz.")),
    (("A042", 3, "hu", True),
     ("Ismét várjuk az A 42-es sorszámot a 3-as ablakhoz.",
      "Ismét várjuk az á negyvenkettes sorszámot a hármas ablakhoz.")),
    (("A042", 3, "en", False),
     ("Ticket A 42, please go to counter 3.", "Ticket A-42, please go to counter 3.")),
    (("A042", 3, "en", True),
     ("Once again: ticket A 42, please go to counter 3.",
      "Once again: ticket A-42, please go to counter 3.")),
]


@pytest.mark.parametrize(("args", "expected"), SENTENCES)
def test_sentences(args: tuple[str, int, str, bool], expected: tuple[str, str]) -> None:
    number, counter, lang, recall = args
    a = build(number, counter, lang, recall=recall)
    assert (a.written, a.spoken) == expected


def test_counter_word() -> None:
    assert build("A1", 3, "hu", counter_word="pult").written == "Az A 1-es sorszámot várjuk a 3-as pulthoz."
    assert build("A1", 5, "hu", counter_word="szoba").spoken.endswith("az ötös szobához.")
    assert build("A1", 5, "en", counter_word="desk").written == "Ticket A 1, please go to desk 5."


def test_words_spell_the_spoken_sentence() -> None:
    """A voice pack saying the words in order says the same as the TTS text."""
    for n in (1, 42, 345, 1999, 2001):
        a = build(f"A{n}", 7, "hu")
        joined = " ".join(w.text for w in a.words)
        assert joined.replace(" ", "").replace("-", "") == a.spoken.rstrip(".").replace(" ", "").replace("-", "").lower()
