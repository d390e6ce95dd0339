"""Loyalty reward policies, one small class per module (see ``docs/policies.md``).

Shared behavioural mechanisms (goal gradient, post-reward resetting, illusory progress,
rewarded-behaviour effect, heavy-vs-light response, tier demotion aversion) live in
:mod:`.behaviour`; every reward policy has a ``behaviour`` table to switch and tune them.
"""

from . import (  # noqa: F401
    behaviour,
    cashback,
    exclusive_access,
    membership,
    points,
    punch_card,
    referral,
    streaks,
    tiers,
)
