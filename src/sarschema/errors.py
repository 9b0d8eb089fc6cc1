"""Exceptions: one base, user errors apart from internal ones.

User problems inside records are *not* exceptions: they are `Diagnostic` values.
These exceptions are for the run itself: a bad command line, a broken install.
"""

from __future__ import annotations


class SarschemaError(Exception):
    """Base of every exception sarschema raises on purpose."""

    exit_code = 2


class UsageError(SarschemaError):
    """The command was called wrongly (a path that does not exist, ...)."""


class EnvironmentProblem(SarschemaError):
    """The installation is unusable (PyYAML without libyaml, ...)."""


class InternalError(SarschemaError):
    """A bug in sarschema; always reported, never hidden."""
