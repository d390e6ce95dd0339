"""Scenarios with known optimal designs (shared by the optimisation tests).

Both are the Erlang C validation desk (``scenarios/validation/mm_c.toml``) made quick: 100
customers buying 0.02 times a day, every purchase opening a contact, gives Poisson contacts at
``LAM`` = 2 a day; exponential handling; no balking, no patience; waits counted after a warm-up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from loopsim.theory import erlang_c_wait

ROOT = Path(__file__).resolve().parents[2]
MM_C = ROOT / "scenarios" / "validation" / "mm_c.toml"
LAM, HORIZON, WARMUP = 2.0, 1050.0, 50.0

# (a) staffing: agents cost AGENT_COST a day each, waiting costs WAIT_COST per contact-day
AGENT_COST, WAIT_COST, MU = 1.0, 20.0, 1.0
STAFFING_OBJECTIVE = f"service_cost + {WAIT_COST:g} * mean_service_wait_days * service_contacts"

# (b) routing: a share of contacts goes to a 3-agent channel (mu 1), the rest to a 1-agent
# channel (mu 1.5); weight x on "fast" against 1 on "slow" routes f = x / (1 + x) to "fast"
ROUTING_OBJECTIVE = ("service_fast_contacts * service_fast_mean_wait_days"
                     " + service_slow_contacts * service_slow_mean_wait_days")
ROUTING_RANGE = (0.5, 6.0)


def _common() -> str:
    return (f'extends = "{MM_C.as_posix()}"\n'
            f"[time]\nhorizon_days = {HORIZON}\n"
            f"[service]\ncontact_probability = 1.0\nwarmup_days = {WARMUP}\n")


def staffing_file(folder: Path) -> Path:
    """The staffing scenario as a file in ``folder``."""
    p = folder / "staffing.toml"
    p.write_text('name = "staffing"\n' + _common()
                 + f'handling_time = {{ dist = "exponential", mean = {1 / MU} }}\n'
                 + f"cost_per_agent_day = {AGENT_COST}\n")
    return p


def staffing_cost(c: int) -> float:
    """Expected objective with ``c`` agents: agent cost + priced waiting (Erlang C)."""
    return AGENT_COST * c * HORIZON + WAIT_COST * LAM * (HORIZON - WARMUP) * erlang_c_wait(c, LAM, MU)


def routing_file(folder: Path) -> Path:
    """The routing scenario as a file in ``folder``."""
    p = folder / "routing.toml"
    p.write_text('name = "routing"\n' + _common() + """
[[service.channels]]
name = "fast"
share = 1.0
agents = 3
handling_time = { dist = "exponential", mean = 1.0 }

[[service.channels]]
name = "slow"
share = 1.0
agents = 1
handling_time = { dist = "exponential", mean = 0.6666666666666666 }
""")
    return p


def routing_wait(x: float) -> float:
    """Expected total wait (contact-days per day after warm-up) with weight ``x`` on "fast":
    each channel is an M/M/c queue fed by its Poisson share of the contacts."""
    f = x / (1 + x)
    return LAM * (f * erlang_c_wait(3, LAM * f, 1.0) + (1 - f) * erlang_c_wait(1, LAM * (1 - f), 1.5))


def routing_optimum() -> tuple[float, float]:
    """The weight minimising :func:`routing_wait` on a fine grid, and the minimum."""
    xs = np.linspace(*ROUTING_RANGE, 5501)
    w = np.array([routing_wait(x) for x in xs])
    return float(xs[w.argmin()]), float(w.min())
