"""The :class:`Scenario`: a complete, frozen, validated scenario."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    field_validator,
    model_validator,
)

from ..registry import PolicyParams
from .base import SCHEMA_VERSION, _Model
from .journey import Funnel, Journey
from .market import Economics, Market, Population, Time
from .schema import _check_numbers, _validate_policy
from .service import Service


class Scenario(_Model):
    """A complete, validated scenario. Build with :func:`load_scenario` or ``Scenario.model_validate``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = "unnamed"
    description: str = ""
    time: Time = Time()
    market: Market = Market()
    population: Population = Population()
    funnel: Funnel = Funnel()
    journey: Journey = Journey()
    service: Service = Service()
    economics: Economics = Economics()
    policies: tuple[Any, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data):
        if isinstance(data, Mapping):
            _check_numbers(cls, data)
        return data

    @field_validator("policies", mode="before")
    @classmethod
    def _policies(cls, v):
        if v is None:
            return ()
        if isinstance(v, Mapping):
            raise ValueError("must be an array of tables ([[policies]])")
        out = tuple(_validate_policy(p, i) for i, p in enumerate(v))
        seen: dict[str, int] = {}
        for i, p in enumerate(out):
            if p.type in seen:
                raise ValueError(f"duplicate policy type {p.type!r} (policies.{seen[p.type]} and "
                                 f"policies.{i}); at most one policy of each type is allowed "
                                 "(their metrics would collide)")
            seen[p.type] = i
        return out

    @model_validator(mode="after")
    def _churn_process(self):
        if self.journey.churn.process == "hazard":
            for i, seg in enumerate(self.population.segments):
                d = seg.dropout
                if not (d.is_fixed and d.mean == 0):
                    raise ValueError(
                        f"population.segments.{i}.dropout must be fixed 0 when journey.churn.process = "
                        f"\"hazard\" (customers defect by the daily churn_hazard); per-purchase dropout "
                        f"needs process = \"per_purchase\"")
        return self

    # -- convenience --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dict (aliases used, so it round-trips through validation)."""
        return self.model_dump(mode="json", by_alias=True)

    @property
    def hash(self) -> str:
        """Stable provenance hash (16 hex digits) of the fully resolved scenario."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "--set") -> Scenario:
        """A validated copy with fields changed by dotted path, e.g. ``{"market.cost_per_aware": 3}``;
        ``source`` names where the overrides came from in error messages."""
        from .load import validate_scenario
        from .overrides import _set_path

        data = self.to_dict()
        for path, value in overrides.items():
            _set_path(data, path, value)
        return validate_scenario(data, source=source)

    def policy(self, type_name: str) -> PolicyParams | None:
        """The first policy of the given type, or None."""
        return next((p for p in self.policies if p.type == type_name), None)


# --------------------------------------------------------------------------- loading
