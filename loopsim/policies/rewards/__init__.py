"""Loyalty reward policies, one small class per module."""

from . import punch_card  # noqa: F401
