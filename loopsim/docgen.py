"""Generate ``docs/scenarios.md`` (the scenario file reference) from the scenario models.

    python -m loopsim.docgen > docs/scenarios.md

A test checks the committed file is up to date, so the reference never drifts from the code.
"""

from __future__ import annotations

import json
import types
import typing

from pydantic import BaseModel

from .scenario import (
    Advocacy,
    Competitor,
    Economics,
    Funnel,
    Journey,
    Market,
    Onboarding,
    Population,
    Satisfaction,
    Segment,
    Sensitivities,
    Service,
    Spend,
    Stage,
    Time,
    Winback,
)
from .scenario.journey import Churn

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("[time]", Time),
    ("[market]", Market),
    ("[market.competitor]", Competitor),
    ("[population]", Population),
    ("[[population.segments]]", Segment),
    ("segment spend (`spend = {...}`)", Spend),
    ("segment sensitivities (`sensitivity = {...}`)", Sensitivities),
    ("[funnel]", Funnel),
    ("funnel stage (`[funnel.<stage>]`)", Stage),
    ("[journey]", Journey),
    ("[journey.churn]", Churn),
    ("[journey.onboarding]", Onboarding),
    ("[journey.satisfaction]", Satisfaction),
    ("[journey.advocacy]", Advocacy),
    ("[journey.winback]", Winback),
    ("[service]", Service),
    ("[economics]", Economics),
]


def _type_name(ann) -> str:
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann)]
        names = [_type_name(a) for a in args]
        if len(names) > 3:
            return "distribution"
        return " or ".join(names)
    if origin is typing.Annotated:
        return "distribution"
    if origin is typing.Literal:
        return " / ".join(json.dumps(a) for a in typing.get_args(ann))
    if origin is tuple:
        return f"array of {_type_name(typing.get_args(ann)[0])}"
    if ann is type(None):
        return "none"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "table"
    return getattr(ann, "__name__", str(ann))


def _default(f) -> str:
    if f.is_required():
        return "required"
    d = f.get_default(call_default_factory=True)
    if isinstance(d, BaseModel):
        return "`" + json.dumps(d.model_dump(mode="json", by_alias=True, exclude_defaults=False)) + "`"
    if isinstance(d, tuple):
        return "see below" if d else "`[]`"
    return f"`{json.dumps(d)}`"


def render() -> str:
    """The markdown reference."""
    out = [
        "# Scenario file reference",
        "",
        "Generated from the scenario models by `python -m loopsim.docgen`; do not edit by hand.",
        "Times are in days, money in the scenario's currency, probabilities in [0, 1]. A",
        "*distribution* is an inline table with a `dist` key: `fixed` (value), `exponential` (mean),",
        "`gamma` (shape, rate), `beta` (a, b), `uniform` (low, high), `lognormal` (mean, cv),",
        "`normal` (mean, sd, optional low/high clipping), `erlang` (k, mean).",
        "Every number must be finite (a normal's `low`/`high` may be `-inf`/`inf`: no clipping), and",
        "a number, not a string or a boolean. Each policy type appears at most once.",
        "",
        "Top level: `schema_version` (1), `name`, `description`, `extends` (a base file, merged",
        "table by table; arrays such as `[[policies]]` replace the base's), and `[[policies]]`",
        "(each with a `type`; see `loopsim policies` and docs/policies.md).",
        "",
    ]
    for title, model in SECTIONS:
        out += [f"## {title}", "", (model.__doc__ or "").strip().replace("\n    ", " "), "",
                "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, f in model.model_fields.items():
            out.append(f"| `{f.alias or name}` | {_type_name(f.annotation)} | {_default(f)} | "
                       f"{(f.description or '').replace('|', '/')} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render())
