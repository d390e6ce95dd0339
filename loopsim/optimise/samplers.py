"""Optuna samplers by name, each reseeded per trial so that a resumed study proposes what an
uninterrupted one would have."""

from __future__ import annotations

import numpy as np

from ..errors import LoopsimError

SAMPLERS = ("tpe", "cmaes", "gp", "nsga2", "random")
#: Samplers that can handle several objectives.
MULTI_OBJECTIVE = ("tpe", "gp", "nsga2", "random")


def check_sampler(name: str | None, n_objectives: int) -> str:
    """The sampler's name (default: tpe, or nsga2 with several objectives), checked."""
    if name is None:
        return "nsga2" if n_objectives > 1 else "tpe"
    if name not in SAMPLERS:
        raise LoopsimError(f"--sampler: {name!r} is not a sampler; use one of {', '.join(SAMPLERS)}")
    if n_objectives > 1 and name not in MULTI_OBJECTIVE:
        raise LoopsimError(f"--sampler {name}: handles one objective only; with several use "
                           f"{' or '.join(MULTI_OBJECTIVE)}")
    needs = {"cmaes": ("cmaes", "cmaes"), "gp": ("torch", "torch")}.get(name)
    if needs is not None:
        import importlib.util

        if importlib.util.find_spec(needs[0]) is None:
            raise LoopsimError(f"--sampler {name} needs the {needs[1]!r} package: pip install {needs[1]}")
    return name


def trial_seed(seed: int, k: int, repeats: int = 0) -> int:
    """The sampler's seed for the ``k``-th counted trial of a study with root ``seed``, after
    ``repeats`` repeated proposals (so a repeat is followed by a fresh proposal)."""
    return int(np.random.SeedSequence([int(seed), int(k), int(repeats)]).generate_state(1, dtype=np.uint32)[0])


def make_sampler(name: str, seed: int, startup: int):
    """A fresh Optuna sampler (``startup``: random trials before the model takes over). Samplers
    that handle constraints read the violations each trial sets (``Trial.set_constraint``)."""
    import optuna

    s = optuna.samplers
    if name == "tpe":
        return s.TPESampler(seed=seed, n_startup_trials=startup)
    if name == "nsga2":
        return s.NSGAIISampler(seed=seed,
                               population_size=max(4, min(50, startup * 2)))
    if name == "gp":
        return s.GPSampler(seed=seed, n_startup_trials=startup)
    if name == "cmaes":   # ignores constraints: the final selection enforces them
        return s.CmaEsSampler(seed=seed, n_startup_trials=startup, warn_independent_sampling=False)
    return s.RandomSampler(seed=seed)
