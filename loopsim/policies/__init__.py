"""Concrete policies, registered by their scenario ``type`` name on import.

Reward policies live in :mod:`loopsim.policies.rewards`; service and personalisation policies in
their own modules. The engine never imports these; :func:`loopsim.registry.policy_types` does.
"""

from . import personalisation, rewards, service  # noqa: F401
