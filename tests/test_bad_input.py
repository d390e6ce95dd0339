"""Bad input: one clear line naming the file, the field and what is allowed; exit 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import loopsim
from loopsim.errors import ScenarioError

BAD = Path(__file__).parent / "data" / "bad_scenarios"

# file -> (field path expected in the message, words expected in the message)
CASES = {
    "wrong_type.toml": ("market.marketing_budget_per_day", "valid number"),
    "negative_rate.toml": ("market.organic_arrivals_per_day", "greater than or equal to 0"),
    "probability_above_one.toml": ("funnel.interest.conversion", "less than or equal to 1"),
    "negative_probability_dist.toml": ("population.segments.0.dropout", "[0, 1]"),
    "unknown_key.toml": ("market.marketing_budget", "allowed: currency, marketing_budget_per_day"),
    "unknown_section.toml": ("loyalty", "allowed: schema_version"),
    "unknown_policy.toml": ("policies.0.type", "did you mean 'punch_card'"),
    "bad_policy_param.toml": ("policies.0.stamps_required", "greater than or equal to 1"),
    "unknown_distribution.toml": ("population.segments.0.purchase_rate", "'dist' must be one of"),
    "shares_not_one.toml": ("population.segments", "sum to 1"),
    "malformed.toml": ("", "malformed TOML"),
    "cycle_a.toml": ("extends", "extends cycle"),
    "missing_parent.toml": ("extends", "no_such_base.toml"),
    "wrong_schema_version.toml": ("schema_version", "unsupported schema_version 99"),
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loopsim.cli", *args], capture_output=True, text=True,
                          timeout=120)


def run_main(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in-process (fast); returns exit code, stdout, stderr."""
    from loopsim.cli import main

    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_fixture_is_covered():
    assert {p.name for p in BAD.glob("*.toml")} - {"cycle_b.toml"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_api_raises_scenario_error(name):
    field, words = CASES[name]
    with pytest.raises(ScenarioError) as info:
        loopsim.load_scenario(BAD / name)
    msg = str(info.value)
    assert "\n" not in msg
    assert name.split(".")[0] in msg or "cycle" in msg
    assert field in msg and words in msg


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_one_line_exit_2(command, name, tmp_path, capsys):
    out = tmp_path / "out"
    args = [command, str(BAD / name)] + (["--out", str(out)] if command == "run" else [])
    code, stdout, stderr = run_main(args, capsys)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("loopsim: error: ")
    assert "Traceback" not in stderr + stdout
    assert CASES[name][0] in lines[0]
    assert not out.exists()   # nothing half-written


@pytest.mark.parametrize("name", ["unknown_policy.toml", "malformed.toml"])
def test_cli_subprocess_no_traceback(name):
    r = cli("run", str(BAD / name))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_file_and_bad_override(tmp_path):
    r = cli("run", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "nope.toml: file not found" in r.stderr
    base = Path(__file__).parents[1] / "scenarios" / "baseline.toml"
    r = cli("run", str(base), "--set", "market.cost_per_aware=-2")
    assert r.returncode == 2 and "market.cost_per_aware" in r.stderr and "greater than 0" in r.stderr
    r = cli("run", str(base), "--set", "market.no_such_field=1")
    assert r.returncode == 2 and "market.no_such_field" in r.stderr and "unknown key" in r.stderr
    r = cli("run", str(base), "--set", "justapath")
    assert r.returncode == 2 and "PATH=VALUE" in r.stderr
    r = cli("run", str(base), "--reps", "0")
    assert r.returncode == 2 and "--reps" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("frobnicate")
    assert r.returncode == 2 and "frobnicate" in r.stderr
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = cli("run", str(base), "--out", str(afile), "--set", "time.horizon_days=5",
            "--set", "market.initial_customers=5", "--set", "market.marketing_budget_per_day=0",
            "--set", "market.organic_arrivals_per_day=0")
    assert r.returncode == 2 and "must be a directory" in r.stderr


def test_bad_sweep_value_names_the_point_and_field(tmp_path, capsys):
    base = str(Path(__file__).parents[1] / "scenarios" / "baseline.toml")
    out = tmp_path / "sweep"
    code, _, err = run_main(["sweep", base, "--grid", "economics.gross_margin_rate=0.3,abc",
                             "--out", str(out)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("loopsim: error: sweep point 1 ") and "economics.gross_margin_rate" in err
    assert "valid number" in err and "--set" not in err
    assert not (out / "runs.parquet").exists() and not list(tmp_path.rglob("*.parquet"))


# option -> words expected in the one-line message (in-process; nothing may be written)
OPTION_CASES = [
    (["run", "{tiny}", "--seed", "-1"], "--seed"),
    (["run", "{tiny}", "--reps", "2", "--seed", str(2**64), "--out", "{out}"], "--seed"),
    (["run", "{tiny}", "--precision", "nan"], "--precision"),
    (["compare", "{tiny}", "{tiny}", "--precision", "inf"], "--precision"),
    (["run", "{tiny}", "--precision", "0.1", "--reps", "20", "--max-reps", "5"], "--max-reps"),
    (["run", "{tiny}", "--precision", "0.1", "--metric", "mean_service_wait_days", "--max-reps", "20"],
     "n/a in every run"),
    (["sweep", "{tiny}", "--lhs", "time.horizon_days=5:10", "--points", "4", "--sobol", "nosuch"],
     "'nosuch' is not a loopsim metric"),
    (["sweep", "{tiny}", "--lhs", "time.horizon_days=5:10", "--points", "3", "--sobol", "profit"],
     "--points: Sobol indices need a power of 2"),
    (["sweep", "{tiny}", "--lhs", "time.horizon_days=5:inf", "--points", "4"], "finite"),
    (["sweep", "{tiny}", "--grid", "time.horizon_days=5,6", "--grid", "time.horizon_days=7"], "given twice"),
    (["sweep", "{tiny}", "--grid", "time.horizon_days=5,,6"], "an empty value"),
    (["sweep", "{tiny}", "--grid", "time.horizon_days=5,6", "--random"], "--random: only with --lhs"),
    (["run", "{tiny}", "--reps", "2", "--dask", "not an address", "--out", "{out}"], "not a scheduler address"),
    (["export-transactions", "{tiny}", "-o", "{out}/same.csv", "--rfm", "{out}/same.csv"],
     "name the same file"),
    (["calibrate", "cdnow", "-o", "{out}/c.toml", "--unit-days", "nan"], "--unit-days"),
]


@pytest.mark.parametrize("args,words", OPTION_CASES, ids=[" ".join(a[:2] + a[3:5]) for a, _ in OPTION_CASES])
def test_bad_options_give_one_line_and_write_nothing(args, words, tmp_path, capsys):
    tiny = tmp_path / "tiny.toml"
    tiny.write_text('schema_version = 1\nname = "tiny"\n[time]\nhorizon_days = 10\n'
                    "[market]\ninitial_customers = 20\n")
    out = tmp_path / "out"
    code, _, err = run_main([a.format(tiny=tiny, out=out) for a in args], capsys)
    assert code == 2 and err.startswith("loopsim: error:") and err.count("\n") == 1, err
    assert words in err, err
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


def test_unreachable_dask_scheduler_fails_fast_and_leaves_no_store(tmp_path, capsys):
    import time

    tiny = tmp_path / "tiny.toml"
    tiny.write_text('schema_version = 1\nname = "tiny"\n[time]\nhorizon_days = 10\n')
    out = tmp_path / "store"
    t0 = time.monotonic()
    code, _, err = run_main(["run", str(tiny), "--reps", "2", "--dask", "tcp://127.0.0.1:1",
                             "--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and "cannot connect to the scheduler" in err, err
    assert time.monotonic() - t0 < 60
    assert not out.exists()


def test_sigterm_stops_a_sweep_like_ctrl_c(tmp_path):
    """SIGTERM (a batch system's time limit, `kill`) gives the same one line and exit 2 as Ctrl-C."""
    import signal
    import time

    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "loopsim.cli", "sweep", str(Path(__file__).parents[1] / "scenarios" / "baseline.toml"),
           "--grid", "economics.gross_margin_rate=0.3,0.4,0.5", "--reps", "8", "--seed", "3",
           "--set", "time.horizon_days=60", "--set", "market.initial_customers=250", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "runs").exists() and len(list((out / "runs").glob("*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be terminated"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1 and "interrupted after" in err, err


def test_calibrate_names_a_broken_extends_base(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text('name = "x"\n[time\n')
    code, _, err = run_main(["calibrate", "cdnow", "-o", str(tmp_path / "c.toml"), "--extends", str(base)], capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"loopsim: error: --extends {base}"), err
    assert "malformed TOML" in err and not (tmp_path / "c.toml").exists()
