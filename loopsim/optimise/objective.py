"""What the optimiser aims at: objectives (a metric, or arithmetic of metrics) and constraints.

An objective is a summary metric name (``profit``) or an arithmetic expression of metrics and
numbers with ``+ - * /`` and parentheses (``service_cost + 40 * mean_service_wait_days *
service_contacts``: a priced waiting cost). Its value in a trial is the mean over that trial's
replications of the per-run value. A plain metric's direction defaults to the metric's own
(higher profit, lower cost is better); an expression needs ``direction``.

A constraint is ``METRIC>=X`` or ``METRIC<=X`` (the left side may be arithmetic of metrics too,
``reward_cost + programme_cost <= 50000``) on the mean over replications; it is met when its
violation (``X - mean`` or ``mean - X``) is at most 0, Optuna's convention for constraints.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import LoopsimError

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
DIRECTIONS = ("maximize", "minimize")


def _check_metric(name: str, what: str) -> None:
    from ..metrics import CORE_METRICS, is_builtin_metric

    if not is_builtin_metric(name):
        raise LoopsimError(f"{what}: {name!r} is not a loopsim metric; e.g. {', '.join(CORE_METRICS)} "
                           "(docs/metrics.md lists them all)")


def _evaluate(node: ast.AST, row: Mapping[str, float]) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, row)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(row.get(node.id, math.nan))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, row)
    if isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left, row), _evaluate(node.right, row)
        if isinstance(node.op, ast.Div) and b == 0:
            return math.nan
        return _OPS[type(node.op)](a, b)
    raise AssertionError(f"unexpected node {node!r}")  # pragma: no cover - refused by _parse


def _parse(text: str) -> tuple[ast.Expression, list[str]]:
    """Parse an objective, allowing only metric names, numbers, + - * / and parentheses."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise LoopsimError(f"--objective {text!r}: not a metric name or an arithmetic expression "
                           "of metrics (+ - * / and parentheses)") from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                and not isinstance(node.value, bool):
            continue
        elif not isinstance(node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.Load
                            | ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub):
            raise LoopsimError(f"--objective {text!r}: only metric names, numbers, + - * / and "
                               "parentheses are allowed")
    return tree, names


@dataclass(frozen=True)
class Objective:
    """One objective: its ``text`` (a metric or an expression) and ``direction``."""

    text: str
    direction: str

    @property
    def metrics(self) -> list[str]:
        """The metrics the objective reads."""
        return _parse(self.text)[1]

    def values(self, runs: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The objective of each run (one value per replication)."""
        tree = _parse(self.text)[0]
        return np.array([_evaluate(tree, r) for r in runs], dtype=float)

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is strictly better than ``b``."""
        return a > b if self.direction == "maximize" else a < b


def make_objectives(texts: str | Sequence[str], directions: str | Sequence[str] | None) -> list[Objective]:
    """Objectives with their directions, checked (known metrics, a direction for expressions)."""
    from ..experiment import BETTER

    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise LoopsimError("no objective; give a metric such as profit")
    if len(set(texts)) != len(texts):
        raise LoopsimError("--objective: an objective is given twice")
    dirs: list[str | None]
    if directions is None:
        dirs = [None] * len(texts)
    else:
        dirs = [directions] if isinstance(directions, str) else list(directions)
        if len(dirs) != len(texts):
            raise LoopsimError(f"--direction: give one per objective ({len(texts)}), got {len(dirs)}")
    out = []
    for text, d in zip(texts, dirs, strict=True):
        _tree, names = _parse(text)
        for name in names:
            _check_metric(name, f"--objective {text}")
        plain = re.fullmatch(r"\s*[A-Za-z_]\w*\s*", text) is not None
        if d is None:
            if not plain:
                raise LoopsimError(f"--objective {text!r}: an expression needs --direction maximize "
                                   "or minimize")
            d = "minimize" if BETTER.get(text.strip(), 1) < 0 or text.strip().endswith("_cost") else "maximize"
        if d not in DIRECTIONS:
            raise LoopsimError(f"--direction: {d!r} is not allowed; use maximize or minimize")
        out.append(Objective(text.strip(), d))
    return out


@dataclass(frozen=True)
class Constraint:
    """``expression op bound`` on the mean over replications (``op`` is ``>=`` or ``<=``); the
    expression is a metric or arithmetic of metrics, like an objective."""

    metric: str
    op: str
    bound: float

    def value(self, runs: Sequence[Mapping[str, float]]) -> float:
        """The mean over ``runs`` of the constrained metric (or expression); NaN if n/a in all."""
        y = Objective(self.metric, "maximize").values(runs)
        y = y[~np.isnan(y)]
        return float(y.mean()) if len(y) else math.nan

    def violation(self, mean: float) -> float:
        """How far the mean is on the wrong side (<= 0: met; NaN means: not met)."""
        if math.isnan(mean):
            return math.inf
        return self.bound - mean if self.op == ">=" else mean - self.bound

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"


def parse_constraint(text: str) -> Constraint:
    """``"retention_rate>=0.85"`` or ``"reward_cost + programme_cost <= 50000"`` -> a Constraint
    (known metrics, a finite bound)."""
    m = re.fullmatch(r"\s*(.+?)\s*(>=|<=)\s*(\S+)\s*", text)
    if m is None:
        raise LoopsimError(f"--constraint needs METRIC>=X or METRIC<=X (got {text!r})")
    expr, op, raw = m.groups()
    where = f"--constraint {text.strip()}"
    try:
        names = _parse(expr)[1]
    except LoopsimError:
        raise LoopsimError(f"{where}: the left side must be a metric or arithmetic of metrics "
                           "(+ - * / and parentheses)") from None
    for name in names:
        _check_metric(name, where)
    try:
        bound = float(raw)
    except ValueError:
        raise LoopsimError(f"{where}: the bound must be a number (got {raw!r})") from None
    if not math.isfinite(bound):
        raise LoopsimError(f"{where}: the bound must be a finite number (got {raw!r})")
    return Constraint(" ".join(expr.split()), op, bound)
