"""Generate the references from the code: ``docs/scenarios.md`` (the scenario file reference)
from the scenario models, and the metric tables of ``docs/metrics.md`` from the metric
declarations (:mod:`loopsim.metrics`).

    python -m loopsim.docgen > docs/scenarios.md
    python -m loopsim.docgen metrics docs/metrics.md    # rewrites the marked tables in place

Tests check the committed files are up to date, so the references never drift from the code.
"""

from __future__ import annotations

import json
import math
import sys
import types
import typing
from pathlib import Path

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
from .scenario.files import LOADING_RULES
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
    out += LOADING_RULES
    return "\n".join(out)


#: The lines around the generated part of docs/metrics.md.
METRICS_BEGIN = ("<!-- metric tables: generated from loopsim.metrics by "
                 "`python -m loopsim.docgen metrics docs/metrics.md`; do not edit by hand -->")
METRICS_END = "<!-- end of generated metric tables -->"
_METRIC_GROUPS = ("Customers", "Money", "Service")
_METRIC_HEAD = ["| metric | unit | range | better | meaning | NaN when |",
                "| --- | --- | --- | --- | --- | --- |"]


def _range(bounds: tuple[float, float]) -> str:
    lo, hi = bounds
    if lo == -math.inf and hi == math.inf:
        return "any"
    if hi == math.inf:
        return f"≥ {lo:g}"
    return f"{lo:g}..{hi:g}".replace("-", "−")


def _metric_row(m, prefix: str = "") -> str:
    cells = [f"`{m.name}`", m.unit, _range(m.bounds), m.better or "", m.doc, m.nan_when]
    return prefix + "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def render_metrics() -> str:
    """The metric tables of docs/metrics.md (between :data:`METRICS_BEGIN` and
    :data:`METRICS_END`): the engine's metrics by group, then each policy type's."""
    from .metrics import BUILTIN, policy_metric_table

    out = [METRICS_BEGIN]
    for group in _METRIC_GROUPS:
        out += ["", f"## {group}", "", *_METRIC_HEAD]
        out += [_metric_row(m) for m in BUILTIN if m.group == group]
    out += ["", "## Policies", "",
            "Each policy's metrics, present when the scenario has that policy (a `<part>` of a "
            "name is configured, e.g. a tier's name).", "",
            "| policy " + _METRIC_HEAD[0], "| --- " + _METRIC_HEAD[1]]
    out += [_metric_row(m, f"| `{t}` ") for t, _cls, m in policy_metric_table()]
    return "\n".join([*out, "", METRICS_END])


def update_metrics_doc(path: Path) -> None:
    """Rewrite the generated part of ``path`` (docs/metrics.md) with :func:`render_metrics`.

    Raises ValueError (one line naming the file) when the file is missing or lacks the markers;
    the file is then left as it was."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    head, sep, rest = text.partition(METRICS_BEGIN)
    _old, sep2, tail = rest.partition(METRICS_END)
    if not (sep and sep2):
        raise ValueError(f"{path}: the markers of the generated metric tables are missing "
                         f"({METRICS_BEGIN} ... {METRICS_END})")
    path.write_text(head + render_metrics() + tail, encoding="utf-8")


def main(argv: list[str]) -> int:
    """``python -m loopsim.docgen`` prints the scenario reference; ``... metrics FILE`` rewrites
    FILE's metric tables. Bad use: one line on stderr, exit code 2."""
    if not argv:
        print(render())
        return 0
    if argv[0] != "metrics" or len(argv) != 2:
        print("docgen: usage: python -m loopsim.docgen [metrics FILE]", file=sys.stderr)
        return 2
    try:
        update_metrics_doc(Path(argv[1]))
    except ValueError as exc:
        print(f"docgen: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
