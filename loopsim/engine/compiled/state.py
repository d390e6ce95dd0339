"""Building, growing and packing the compiled engine's struct-of-arrays state.

The state is a set of NumPy arrays (:mod:`.layout` names them). Pools that fill during a run
(customers, calendar entries, contacts, log rows) are grown here, between the kernel's calls; the
kernel stops before it would run out (``loop.room``) and resumes after. The driver sizes them from
the scenario up front (:func:`build`), so they rarely grow. A pool is allocated as zeros, which the
operating system hands out page by page as the run first writes them: room reserved but never
used costs address space, not memory. New customers' fields get their initial values when they
are created (:meth:`Arrays.fresh`), not when the pool grows, for the same reason.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ...records import LEDGER_KINDS
from ...scenario import STAGES
from ...scenario.service import hourly_weights
from ..arrivals import profile_for
from ..channels import build_channels
from . import layout as L
from . import logs
from .rand import spec_of

State = namedtuple("State", L.FIELDS)

#: pools that grow: their groups (columns = rows of the pool)
_POOLS = {"customers": ("key", "F", "I", "PI", "PF"), "events": ("EVT", "EVI", "EVL", "EVLT"),
          "contacts": ("KF", "KI", "Q"), "tx": ("TXF", "TXI"), "clog": ("CLF", "CLI"),
          "batches": ("PB", "PBI")}
#: fill values of new pool rows (default 0)
_FILL = {"c_wake": -1, "c_dwake": -1, "c_prom_pos": -1, "c_referred_by": -1, "c_dh": -1.0,
         "c_aware_at": math.nan, "c_acquired_at": math.nan, "c_churned_at": math.nan,
         "c_last": math.nan, "c_acq_disc": 1.0}
_WHERE = {name: (g, i) for g, (_, _, names) in L.GROUPS.items() for i, name in enumerate(names)}


class Arrays(dict):
    """The state's arrays by group (``F``, ``I``, ...); a field's name (``"c_sat"``) gives its row.
    Grows the pools and packs the groups for the kernel."""

    def __missing__(self, name: str) -> np.ndarray:
        g, i = _WHERE[name]
        arr = dict.__getitem__(self, g)
        return arr if arr.ndim == 1 else arr[i]

    def ensure(self, pool: str, need: int) -> bool:
        """Make ``pool`` hold at least ``need`` rows (growing by half, not doubling: a copy holds
        the old and the new pool at once); True if it grew. New rows are zeros (see
        :meth:`fresh`)."""
        groups = _POOLS[pool]
        have = dict.__getitem__(self, groups[0]).shape[-1]
        if need <= have:
            return False
        size = max(need, have + have // 2, 64)
        for g in groups:
            old = dict.__getitem__(self, g)
            new = np.zeros((*old.shape[:-1], size), dtype=old.dtype, order=_order(g))
            new[..., :have] = old
            self[g] = new
            del old
        return True

    def fresh(self, lo: int, hi: int) -> None:
        """Give customers ``lo`` .. ``hi - 1`` (new, their rows still zeros) their fields' initial
        values: NaN times, -1 for "none" (:data:`_FILL`), NaN programme times."""
        for name, value in _FILL.items():
            self[name][lo:hi] = value
        self["PF"][:, lo:hi] = math.nan     # a programme's per-customer times: NaN = never

    def pack(self) -> State:
        """The groups as the kernel's state tuple (rebuilt after growth)."""
        return State(**{f: dict.__getitem__(self, f) for f in L.FIELDS})


#: groups stored record-major (Fortran order): ``S.F[L.C_SAT, c]`` reads a customer's fields (and an
#: event's, a contact's) from one or two cache lines instead of one line per field: with the
#: fields in rows a 100,000-customer run was 4-5 times slower (cache misses)
_CUSTOMER_MAJOR = ("F", "I", "EVI", "KF", "KI", "PI", "PF")


def _order(g: str) -> str:
    return "F" if g in _CUSTOMER_MAJOR else "C"


def _empty(g: str, width: int, n_ch: int = 0) -> np.ndarray:
    dt, kind, names = L.GROUPS[g]
    if kind.endswith("1"):
        return np.zeros(width, dtype=dt)
    if kind == "q":
        return np.zeros((len(names), n_ch, width), dtype=dt)
    return np.zeros((len(names), width), dtype=dt, order=_order(g))


def _config(sc) -> np.ndarray:
    """The scenario's values the kernel reads (``cf``), as the Python engine looks them up."""
    cf = np.zeros(L.N_CF)
    sat = sc.journey.satisfaction
    ob, wb, sv = sc.journey.onboarding, sc.journey.winback, sc.service
    delta = math.log1p(sc.time.discount_rate_annual) / 365.0
    values = {
        L.HORIZON: float(sc.time.horizon_days), L.DELTA: delta, L.DISCOUNTING: delta != 0.0,
        L.MARGIN: sc.economics.gross_margin_rate, L.EXP_FIXED: sat.experience.is_fixed,
        L.EXP_VALUE: float(sat.experience.mean) if sat.experience.is_fixed else 0.0,
        L.LR: sat.learning_rate, L.SAT_EFFECT: sat.churn_effect, L.SAT_REF: sat.reference,
        L.PROM_TH: sat.promoter_threshold, L.DET_TH: sat.detractor_threshold,
        L.CONTACT_P: sv.contact_probability + sv.complaint_probability,
        L.COMP_H: sc.market.competitor.hazard_per_day, L.SWITCH_SHARE: sc.market.competitor.switch_share,
        L.AFTER_EVERY: sc.population.dropout_timing == "after_every",
        L.HAZARD_PROCESS: sc.journey.churn.process == "hazard",
        L.HAZARD_SCALE: sc.journey.churn.hazard_multiplier,
        L.TRACK_PROM: sc.journey.advocacy.referrals_per_promoter_per_day > 0,
        L.OB_ENABLED: ob.enabled, L.OB_DURATION: ob.duration_days, L.OB_CONTACT_P: ob.contact_probability,
        L.OB_SUCCESS: ob.success_probability, L.OB_SAT_OK: ob.satisfaction_on_success,
        L.OB_SAT_FAIL: ob.satisfaction_on_failure, L.WB_ENABLED: wb.enabled, L.WB_DELAY: wb.delay_days,
        L.WB_COST: wb.cost_per_attempt, L.WB_P: wb.success_probability,
        L.REF_ENTRY: STAGES.index(sc.funnel.referral_entry_stage),
        L.RECORD_TX: sc.time.record_transactions,
        L.P_PRODUCT: sv.contact_probability, L.COMPLAINT_BELOW: sv.complaint_below,
        L.S_WAIT: sv.satisfaction_per_wait_day, L.S_RESOLVED: sv.satisfaction_resolved,
        L.S_UNRESOLVED: sv.satisfaction_unresolved, L.S_ABANDONED: sv.satisfaction_abandoned,
        L.RECOVERY: sv.service_recovery, L.RECOVERY_BONUS: sv.recovery_bonus,
        L.P_DEFECT: sv.defection_probability, L.UNRES_MULT: sv.unresolved_churn_multiplier,
        L.UNRES_HOOK: sv.unresolved_churn_multiplier != 1.0, L.REPEAT_P: sv.repeat_probability,
        L.MAX_ATTEMPTS: sv.max_attempts,
    }
    for i, v in values.items():
        cf[i] = float(v)
    return cf


def _desk(sc, a: Arrays, specs: list) -> list:
    """The channels' arrays (their quantile specs appended to ``specs``); the channels."""
    channels = build_channels(sc.service)
    n = len(channels)
    steps = max(len(ch.steps) for ch in channels)
    tot = sum(ch.share for ch in channels)
    a["CHI"], a["CHF"] = _empty("CHI", n), _empty("CHF", n)
    a["STF"], a["STN"] = np.zeros((n, steps)), np.zeros((n, steps), dtype=np.int64)
    a["Q"] = _empty("Q", 0, n)
    cfg = sc.service
    acc = 0.0
    for i, ch in enumerate(channels):
        acc += ch.share / tot
        a["ch_cum"][i] = acc
        raw = cfg.channels[i] if cfg.channels else None
        handling = cfg.handling_time if raw is None or raw.handling_time is None else raw.handling_time
        patience = cfg.patience if raw is None or raw.patience is None else raw.patience
        a["ch_free"][i] = a["ch_on_duty"][i] = ch.capacity
        a["ch_self"][i] = ch.self_service
        a["ch_balk"][i] = -1 if ch.balk is None else ch.balk
        a["ch_escalate"][i] = -1 if ch.escalate is None else ch.escalate
        a["ch_p_resolve"][i], a["ch_cost"][i] = ch.p_resolve, ch.cost_contact
        a["ch_handle"][i] = len(specs)
        specs.append(spec_of(handling))
        a["ch_patience"][i] = -1
        if ch.patience is not None:
            a["ch_patience"][i] = len(specs)
            specs.append(spec_of(patience))
        a["st_len"][i] = len(ch.steps)
        for j, (frac, agents) in enumerate(ch.steps):
            a["STF"][i, j], a["STN"][i, j] = frac, agents
    return channels


def _fixed(sc, a: Arrays, days: int) -> None:
    """The per-day counters, the ledger, the funnel's conversions, the segments' spend noise and
    the daily arrival profile."""
    segs = sc.population.segments
    a["D"] = _empty("D", max(days + 1, len(STAGES)))
    a["bk_head"][:] = -1
    a["bk_tail"][:] = -1
    a["LEDD"] = np.zeros((len(LEDGER_KINDS), days + 1))
    a["MISC"] = _empty("MISC", max(25, len(segs), len(LEDGER_KINDS)))
    a["conv"][:len(STAGES)] = [sc.funnel.stage(s).conversion for s in STAGES]
    a["noise_fixed"][:len(segs)] = [s.spend.noise.is_fixed for s in segs]
    a["noise_val"][:len(segs)] = [float(s.spend.noise.mean) for s in segs]
    profile = profile_for(hourly_weights(sc.service.arrival_profile))
    cf = a["cf"]
    cf[L.HAS_PROFILE] = profile is not None
    if profile is not None:
        a["prof_share"][:24] = profile.share
        a["prof_cum"][:25] = profile.cum
        cf[L.PROFILE_INV0] = profile.inverse(0.0)


def build(sc, customers: int) -> tuple[Arrays, list, list]:
    """The initial state of a run of ``sc`` with room for ``customers`` (the customers it is
    expected to create: more can be added); its channels and its compiled policies. The log pools
    (``tx``, ``clog``) hold :data:`.logs.POOL_ROWS` rows: :mod:`.logs` empties them."""
    from .policies import build as build_policies

    a = Arrays()
    pols, tables, rows_i, rows_f = build_policies(sc)
    a.update(tables)
    # at least two rows: an array of one row is C- and F-contiguous at once, numba would type it C
    # and compile the whole kernel a second time for scenarios without policies
    a["PI"] = np.zeros((max(rows_i, 2), 0), dtype=np.int64, order="F")
    a["PF"] = np.zeros((max(rows_f, 2), 0), order="F")
    for groups in _POOLS.values():
        for g in groups:
            if g not in ("Q", "PI", "PF"):
                a[g] = _empty(g, 0)
    days = int(math.ceil(sc.time.horizon_days))
    a["ctl"] = np.zeros(L.N_CTL, dtype=np.int64)
    a["ctl"][L.DAYS] = days
    a["ctl"][L.CAL_DAY] = -1
    a["ctl"][L.CUR_I] = -1
    a["cf"] = _config(sc)
    _fixed(sc, a, days)
    specs = [spec_of(sc.funnel.stage(s).dwell) for s in STAGES]
    specs += [spec_of(sc.journey.satisfaction.experience), spec_of(sc.service.repeat_delay)]
    specs += [spec_of(s.spend.noise) for s in sc.population.segments]
    channels = _desk(sc, a, specs)
    a["ctl"][L.N_CH] = len(channels)
    a["spec"] = np.array(specs)
    # room for every customer the run is expected to create and one pending entry each: only
    # what the run writes takes memory (see the module's docstring)
    a.ensure("customers", max(customers, 16))
    a.ensure("events", customers + 1024)
    a.ensure("contacts", 256)
    a.ensure("tx", logs.POOL_ROWS)
    a.ensure("clog", logs.POOL_ROWS)
    a.ensure("batches", 64)
    return a, channels, pols
