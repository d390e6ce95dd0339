"""Experiments: replications, paired comparisons with common random numbers, sweeps, Sobol.

Seeds
-----
Every run gets a :class:`numpy.random.SeedSequence` spawned from one root ``seed``:
replication ``i`` runs with ``SeedSequence(seed).spawn(n)[i]`` (spawn key ``(i,)``), so adding
replications (adaptive precision, a resumed store) never changes earlier ones, and no result
depends on the executor, the number of workers or the order in which runs finish: tables are
always ordered by point/design and replication.

Common random numbers
---------------------
Customers draw their traits and background randomness from counter-based streams keyed by the
replication's seed (:mod:`loopsim.rng`), so two designs run with the same spawned seed see the
same customers and the same draws until a policy makes them differ. :func:`compare` (``crn=True``,
the default) and :func:`sweep` therefore give every design / point replication ``i`` the same
seed; with ``crn=False`` design (or point) ``j`` gets independent seeds (spawn key ``(j, i)``).

Executors
---------
``workers=1`` runs in-process; ``workers > 1`` uses local processes (``ProcessPoolExecutor``
with the ``spawn`` context); ``executor=`` takes any :class:`concurrent.futures.Executor`;
``dask="local"`` starts a Dask ``LocalCluster`` (``workers`` processes) and ``dask="tcp://..."``
connects to a running scheduler. Jobs carry the scenario as plain data (``Scenario.to_dict()``).

Results store
-------------
``out=DIR`` writes every finished run atomically to a :class:`loopsim.store.ResultStore`, locked
while the experiment runs, and resumes an interrupted experiment (finished runs are checked
against the experiment and read back, not re-run); see :mod:`loopsim.store`.

Modules
-------
:mod:`.jobs` (a run as data, seeds, rows), :mod:`.workers` (local worker processes and signals),
:mod:`.progress`, :mod:`.runner` (executors, Dask, the store), :mod:`.stats` (CIs, adaptive
precision), :mod:`.designs` (grids, LHS, random points, CLI parsers), :mod:`.replicate`,
:mod:`.compare`, :mod:`.sweep` (sweeps and Sobol indices), :mod:`.storage` (an experiment's
fingerprint and store; the parameters that tell designs apart).
"""

from __future__ import annotations

from .compare import Comparison, compare
from .designs import full_factorial, latin_hypercube, parse_grid, parse_ranges, random_design
from .jobs import ID_COLUMNS, MAX_SEED, Job, check_seed, make_row, run_job, seed_sequence
from .replicate import DEFAULT_MAX_REPS, Experiment, replicate
from .runner import DASK_CONNECT_TIMEOUT, Runner
from .stats import BETTER, half_width
from .sweep import Sensitivity, sobol, sweep, sweep_summary

__all__ = ["BETTER", "DASK_CONNECT_TIMEOUT", "DEFAULT_MAX_REPS", "ID_COLUMNS", "MAX_SEED", "Comparison",
           "Experiment", "Job", "Runner", "Sensitivity", "check_seed", "compare", "full_factorial",
           "half_width", "latin_hypercube", "make_row", "parse_grid", "parse_ranges", "random_design",
           "replicate", "run_job", "seed_sequence", "sobol", "sweep", "sweep_summary"]
