"""Errors loopsim raises for bad input.

Every user-facing error is a :class:`LoopsimError` whose ``str()`` is one line naming the file
(when there is one), the field path and what is allowed; the CLI prints that line and exits 2.
"""

from __future__ import annotations


class LoopsimError(Exception):
    """Base class for errors caused by user input (scenario files, options, data files)."""


class ScenarioError(LoopsimError):
    """A scenario file or override is invalid.

    Parameters
    ----------
    message:
        What is wrong and what is allowed.
    source:
        The file the problem is in, if any.
    field:
        Dotted path of the offending field (``"funnel.stages.interest.conversion"``), if any.
    """

    def __init__(self, message: str, source: str | None = None, field: str | None = None):
        self.message = message
        self.source = source
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.field:
            parts.append(self.field)
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ExperimentInterrupted(LoopsimError):
    """A multi-run experiment was interrupted (Ctrl-C); the message says what was kept and how to
    resume (finished runs in a result store are never lost)."""
