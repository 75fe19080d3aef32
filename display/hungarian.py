"""Hungarian numbers and suffixes: moved to :mod:`sorra.hungarian`, where the web, the counter terminal and
the ticket name counters with the same words (:mod:`sorra.naming`)."""

from sorra.hungarian import *  # noqa: F403
from sorra.hungarian import BACK, FRONT_ROUNDED, MAX_NUMBER, NEUTRAL, VOWELS  # noqa: F401
