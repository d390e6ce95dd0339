"""The compiled engine's state: named slots of its counter and configuration arrays, event kinds,
and the fields of its struct-of-arrays state (:data:`FIELDS`).

Indices are module-level integers, which numba compiles as constants.
"""

from __future__ import annotations

# ---------------------------------------------------------------- ctl: int64 counters and cursors
(SEQ, CAL_DAY, CUR_N, CUR_I, SIDE_N, EV_FREE_N, EV_USED, K_FREE_N, K_USED, TX_N, CL_N, ACQ_N,
 PROM_N, N_ACTIVE, NC0, NC1, NC2, IN_FUNNEL, WB_ATT, WB_SUC, OPENED, REPEATS, RECOVERIES,
 DEFECTIONS, IN_FLIGHT, UNRES_N, DAYS, N_CH, STOPPED, P_REDEEMED, PB_LIVE, PB_USED, PB_FREE, BK_USED,
 BK_FREE_N) = range(35)
N_CTL = 35

# ---------------------------------------------------------------- cf: float64 configuration
(HORIZON, DELTA, DISCOUNTING, MARGIN, EXP_FIXED, EXP_VALUE, LR, SAT_EFFECT, SAT_REF, PROM_TH,
 DET_TH, CONTACT_P, COMP_H, SWITCH_SHARE, AFTER_EVERY, HAZARD_PROCESS, HAZARD_SCALE, TRACK_PROM,
 OB_ENABLED, OB_DURATION, OB_CONTACT_P, OB_SUCCESS, OB_SAT_OK, OB_SAT_FAIL, WB_ENABLED, WB_DELAY,
 WB_COST, WB_P, REF_ENTRY, RECORD_TX,
 P_PRODUCT, COMPLAINT_BELOW, S_WAIT, S_RESOLVED, S_UNRESOLVED, S_ABANDONED, RECOVERY,
 RECOVERY_BONUS, P_DEFECT, UNRES_MULT, UNRES_HOOK, REPEAT_P, MAX_ATTEMPTS, HAS_PROFILE,
 PROFILE_INV0) = range(45)
N_CF = 45

# ---------------------------------------------------------------- quantile spec rows
SPEC_DWELL = 0          # 6 rows, one per funnel stage
SPEC_EXPERIENCE = 6
SPEC_REPEAT_DELAY = 7
SPEC_NOISE = 8          # one row per segment; channels' rows follow (see state.build)

# ---------------------------------------------------------------- statuses, reasons, channels
PROSPECT, ACTIVE, CHURNED, LOST = 0, 1, 2, 3
#: churn reasons (customers' ``churn_reason``): index -> name
REASONS = ("", "dropout", "lapsed", "competitor", "service")
R_NONE, R_DROPOUT, R_LAPSED, R_COMPETITOR, R_SERVICE = range(5)
#: acquisition channels: index -> name
CHANNELS = ("", "initial", "existing", "marketing", "organic", "referral")
CH_INITIAL, CH_EXISTING, CH_MARKETING, CH_ORGANIC, CH_REFERRAL = 1, 2, 3, 4, 5
#: reasons of service contacts (the contact log's ``reason``)
CONTACT_REASONS = ("onboarding", "product", "complaint")
CR_ONBOARDING, CR_PRODUCT, CR_COMPLAINT = range(3)
SERVED, ABANDONED, BALKED = 0, 1, 2

# ---------------------------------------------------------------- event kinds
# customers' wake-ups (the same numbers as engine.customer.W_*) ...
W_FUNNEL, W_PURCHASE, W_CHURN, W_WINBACK, W_ONBOARDED, W_DEFECT = range(6)
# ... and the desk's callbacks (x = a contact slot, a channel or a customer)
K_ARRIVE, K_RENEGE, K_FINISHED, K_SHIFT, K_REPEAT = 10, 11, 12, 13, 14
# ... and a policy timer: re-read a customer's defection hazard (``ctx.at(t, ctx.refresh_churn, c)``)
K_REFRESH = 15
# ... and a policy's own timer (x = a customer, a = policy index * 64 + the policy's timer kind)
K_POLICY = 16

# ---------------------------------------------------------------- ledger kinds (records.LEDGER_KINDS)
L_REVENUE, L_FEE, L_REWARD, L_ACQ, L_SERVICE, L_PERSONAL, L_PROGRAMME, L_WINBACK, L_FIXED = range(9)

# ---------------------------------------------------------------- the struct of arrays
# A few 2-D arrays with one row per field (numba compiles a small state tuple much faster than one
# of a hundred arrays). ``S.F[L.C_SAT, c]`` is customer c's satisfaction. Rows of each group:

(C_RATE, C_P_DROP, C_HAZARD, C_SCALE, C_SHAPE, C_S_REWARD, C_S_PRICE, C_S_SERVICE, C_S_PERS, C_SAT, C_AWARE_AT, C_ACQUIRED_AT, C_ACQ_DISC, C_CHURNED_AT, C_LAST, C_REVENUE, C_CLV, C_REWARD_COST, C_SERVICE_COST, C_DH, C_DLEFT, C_DREF) = range(22)
(C_SEG, C_PERIODIC, C_NPS, C_STATUS, C_STAGE, C_CHANNEL, C_REFERRED_BY, C_REASON, C_PURCHASES, C_CONTACTS, C_WINBACKS, C_WAKE, C_DWAKE, C_UNRES, C_PROM_POS, ACQ, PROM) = range(17)
EV_SEQ, EV_X, EV_A, EV_KIND = range(4)
EV_FREE, CUR, SIDE, TMP, BK_E, BK_NEXT, BK_FREE = range(7)
CUR_T, TMP_T, BK_T = range(3)
#: entries per chunk of a day's list (:mod:`.calendar`)
CHUNK = 16
K_T, K_UH, K_UR, K_WAIT, K_HANDLING, K_PATIENCE = range(6)
(K_CH, K_C, K_PRIO, K_REASON, K_DONE, K_ATTEMPT, K_COUNTED, K_SEQ, K_REFS, K_TERM, K_FREE) = range(11)
TX_T, TX_AMT, TX_DISC = range(3)
CL_ARRIVED, CL_WAIT, CL_HANDLING, CL_PATIENCE = range(4)
CL_CID, CL_OUTCOME, CL_RESOLVED, CL_PRIO, CL_REASON, CL_CH, CL_ATTEMPT = range(7)
Q_PRIO, Q_SEQ, Q_K = range(3)
(CH_FREE, CH_ON_DUTY, CH_LEAVING, CH_WAITING, CH_SELF, CH_BALK, CH_ESCALATE, CH_HANDLE, CH_PATIENCE, ST_LEN, Q_N) = range(11)
CH_BUSY, CH_P_RESOLVE, CH_COST, CH_CUM = range(4)
D_PURCHASES, D_NEW, D_CHURNED, D_WON_BACK, FUNNEL_ENTERED, BK_HEAD, BK_TAIL, BK_FILL = range(8)
CONV, NOISE_FIXED, NOISE_VAL, PROF_SHARE, PROF_CUM, LED_TOTAL, LED_DISC = range(7)
PB_T, PB_PTS = range(2)     # a points batch (fixed expiry): expiry time, points left
PB_NEXT = 0                 # the next batch of its customer's list (slot + 1; 0: none)

#: group -> (dtype, what its columns are, its fields); ``key``, ``EVT`` and ``TXI`` are 1-D
GROUPS = {
    "key": ("u8", "cust1", ('c_key',)),
    "F": ("f8", "cust", ('c_rate', 'c_p_drop', 'c_hazard', 'c_scale', 'c_shape', 'c_s_reward', 'c_s_price', 'c_s_service', 'c_s_pers', 'c_sat', 'c_aware_at', 'c_acquired_at', 'c_acq_disc', 'c_churned_at', 'c_last', 'c_revenue', 'c_clv', 'c_reward_cost', 'c_service_cost', 'c_dh', 'c_dleft', 'c_dref')),
    "I": ("i8", "cust", ('c_seg', 'c_periodic', 'c_nps', 'c_status', 'c_stage', 'c_channel', 'c_referred_by', 'c_reason', 'c_purchases', 'c_contacts', 'c_winbacks', 'c_wake', 'c_dwake', 'c_unres', 'c_prom_pos', 'acq', 'prom')),
    "EVT": ("f8", "ev1", ('ev_t',)),
    "EVI": ("i8", "ev", ('ev_seq', 'ev_x', 'ev_a', 'ev_kind')),
    "EVL": ("i8", "ev", ('ev_free', 'cur', 'side', 'tmp', 'bk_e', 'bk_next', 'bk_free')),
    "EVLT": ("f8", "ev", ('cur_t', 'tmp_t', 'bk_t')),
    "KF": ("f8", "k", ('k_t', 'k_uh', 'k_ur', 'k_wait', 'k_handling', 'k_patience')),
    "KI": ("i8", "k", ('k_ch', 'k_c', 'k_prio', 'k_reason', 'k_done', 'k_attempt', 'k_counted', 'k_seq', 'k_refs', 'k_term', 'k_free')),
    "TXF": ("f8", "tx", ('tx_t', 'tx_amt', 'tx_disc')),
    "TXI": ("i8", "tx1", ('tx_cid',)),
    "CLF": ("f8", "cl", ('cl_arrived', 'cl_wait', 'cl_handling', 'cl_patience')),
    "CLI": ("i8", "cl", ('cl_cid', 'cl_outcome', 'cl_resolved', 'cl_prio', 'cl_reason', 'cl_ch', 'cl_attempt')),
    "Q": ("i8", "q", ('q_prio', 'q_seq', 'q_k')),
    "CHI": ("i8", "ch", ('ch_free', 'ch_on_duty', 'ch_leaving', 'ch_waiting', 'ch_self', 'ch_balk', 'ch_escalate', 'ch_handle', 'ch_patience', 'st_len', 'q_n')),
    "CHF": ("f8", "ch", ('ch_busy', 'ch_p_resolve', 'ch_cost', 'ch_cum')),
    "D": ("i8", "day", ('d_purchases', 'd_new', 'd_churned', 'd_won_back', 'funnel_entered', 'bk_head', 'bk_tail', 'bk_fill')),
    "LEDD": ("f8", "day", ('led_daily0',)),
    "MISC": ("f8", "fixed", ('conv', 'noise_fixed', 'noise_val', 'prof_share', 'prof_cum', 'led_total', 'led_disc')),
    "PB": ("f8", "pb", ('pb_t', 'pb_pts')),
    "PBI": ("i8", "pb", ('pb_next',)),
}
#: the state tuple's fields: the groups, then the channels' shift steps, the quantile specs, the
#: counters, the configuration and the policies' state (:mod:`.programmes`)
FIELDS = (*GROUPS, "STF", "STN", "spec", "ctl", "cf", "PI", "PF", "PT", "PC", "PS")
