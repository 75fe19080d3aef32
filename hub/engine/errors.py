"""Errors the engine refuses commands with; ``code`` is the protocol's error code."""

from __future__ import annotations


class EngineError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def not_found(what: str) -> EngineError:
    return EngineError("not_found", what)


def conflict(why: str) -> EngineError:
    return EngineError("conflict", why)


def bad_args(why: str) -> EngineError:
    return EngineError("bad_args", why)
