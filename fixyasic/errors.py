"""Errors a user can act on. The CLI prints their message as one line and exits non-zero."""

from __future__ import annotations


class FixyasicError(Exception):
    """Base class: the message says the cause and, where possible, the fix."""


class InputError(FixyasicError):
    """Bad user input: a file, shape, layer or option the tool cannot accept."""


class ToolError(FixyasicError):
    """An external tool is missing, too old, or failed."""


class ToolTimeout(ToolError):
    """An external tool ran past its time limit and was stopped."""


class PdkError(FixyasicError):
    """PDK data is missing or incomplete."""


class FlowError(FixyasicError):
    """A flow step ran but its result is not valid (unrouted nets, missed timing, ...)."""
