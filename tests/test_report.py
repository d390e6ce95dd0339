"""The HTML report and the plot/report commands, on real (small) result stores."""

from __future__ import annotations

import base64
import re

import pytest

import loopsim
from loopsim.cli import main
from loopsim.report import write_report

from .report_fixtures import SCENARIOS, SMALL, compare_store

SETS = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


def _cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def cmp_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "cmp"
    compare_store(root, n=3)
    return root


def test_report_is_self_contained(cmp_store, tmp_path):
    from loopsim.plots.style import axes, save

    fig, ax = axes()       # a figure another command (the optimiser) left in DIR/figures
    ax.plot([0, 1], [0, 1])
    save(fig, cmp_store / "figures", "optimise_history")
    path = write_report(cmp_store, tmp_path / "r.html", k=1)
    html = path.read_text(encoding="utf-8")
    assert "optimise history" in html
    assert html.startswith("<!DOCTYPE html>") and "<title>loopsim report" in html
    # nothing fetched: every src is a data URI, no external stylesheet or script
    assert not re.search(r"(src|href)=['\"](?!data:|#)", html) and "<script" not in html
    imgs = re.findall(r"src='data:image/png;base64,([^']+)'", html)
    assert len(imgs) >= 10 and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in imgs)
    for section in ("Scenarios", "Differences, field by field", "Assumptions", "Summary table",
                    "Why the designs differ", "Profit bridge", "Figures", "Provenance"):
        assert section in html
    assert "@media print" in html and "name='viewport'" in html
    # user strings are escaped, the explanation names the drivers, quantiles are in the table
    assert "points &lt;b&gt;&amp;amp;&lt;/b&gt;" in html and "points <b>&amp;</b>" not in html
    assert "running cost" in html and "<th scope='col'>p95</th>" in html
    assert "<code>fee_revenue</code>" in html and "<code>points_liability</code>" in html


def test_plot_and_report_commands(capsys, tmp_path):
    out = tmp_path / "reps"
    code, _o, err = _cli(["run", str(SCENARIOS / "retailer_points.toml"), "--reps", "2", *SETS,
                          "--out", str(out), "--plots"], capsys)
    assert code == 0, err
    names = {p.name for p in (out / "figures").iterdir()}
    for stem in ("survival", "funnel", "points", "distribution_profit", "cumulative_profit"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    code, o, err = _cli(["report", str(out), "--figure-reps", "1"], capsys)
    # the path is as long as the temporary folder's: it may be folded across lines
    assert code == 0 and (out / "report.html").is_file() and f"wrote {out / 'report.html'}" in o.replace("\n", "")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Replications: Online shop, points programme" in html and "<th scope='col'>p95</th>" in html


def test_single_run_plots(capsys, tmp_path):
    out = tmp_path / "one"
    code, _o, err = _cli(["run", str(SCENARIOS / "baseline.toml"), *SETS, "--out", str(out), "--plots"], capsys)
    assert code == 0, err
    names = {p.name for p in (out / "figures").iterdir()}
    assert {"survival.png", "funnel.svg", "service.png", "flow.png"} <= names and "points.png" not in names
    code, _o, err = _cli(["report", str(out)], capsys)     # a single run is not a store: one line
    assert code == 2 and "a single run's output" in err and len(err.strip().splitlines()) == 1


def test_sweep_with_report(capsys, tmp_path):
    out = tmp_path / "sw"
    code, _o, err = _cli(["sweep", str(SCENARIOS / "baseline.toml"), "--grid", "service.agents=1,2",
                          *SETS, "--out", str(out), "--report"], capsys)
    assert code == 0, err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Swept parameters" in html and "profit against service.agents" in html


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "no such folder"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "empty folder"),
    (lambda d: ((d / "foreign").mkdir(), (d / "foreign" / "x.txt").write_text("hi"))[0] or d / "foreign",
     "not a loopsim result store"),
    (lambda d: ((d / "half").mkdir(), (d / "half" / "store.json").write_text("{}"))[0] or d / "half",
     "unfinished result store"),
])
def test_bad_folders_one_line_exit_2(capsys, tmp_path, make, message):
    folder = make(tmp_path)
    for cmd in ("plot", "report"):
        code, _o, err = _cli([cmd, str(folder)], capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    assert not (folder / "report.html").exists() and not (folder / "figures").exists()


def test_plots_need_out(capsys):
    code, _o, err = _cli(["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "baseline.toml"),
                          "--plots"], capsys)
    assert code == 2 and "--plots: needs --out DIR" in err


def test_compare_prints_components_quantiles_and_explanation(capsys, tmp_path):
    code, out, err = _cli(["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "retailer_points.toml"),
                           "--reps", "2", *SETS, "--out", str(tmp_path / "c")], capsys)
    assert code == 0, err
    assert "p5 / p50 / p95" in out
    for m in ("programme_cost", "winback_cost", "points_liability", "points_earned"):
        assert f"│ {m} " in out
    assert "retailer_points makes" in out and "running cost" in out
    import pandas as pd

    tab = pd.read_parquet(tmp_path / "c" / "comparison")
    assert {"p5", "p50", "p95"} <= set(tab.columns) and "fee_revenue" in set(tab["metric"])


def test_report_of_an_optimisation_folder(capsys, tmp_path):
    """The files `loopsim optimise --out DIR --plots` writes (branch optimise: summary.json of kind
    optimise, best.toml, selection.parquet, figures/*.png), made here with a real figure."""
    import json

    import pandas as pd

    from loopsim.plots.style import axes, save

    out = tmp_path / "opt"
    out.mkdir()
    (out / "best.toml").write_text('extends = "baseline.toml"\nname = "best <design>"\n')
    pd.DataFrame({"trial": [3, 7], "profit_mean": [1200.5, 1100.0]}).to_parquet(out / "selection.parquet")
    (out / "summary.json").write_text(json.dumps({
        "kind": "optimise", "loopsim_version": "0.1.0", "problem": {"seed": 5, "base": "abc"},
        "base_scenario": "Online shop", "study": "loopsim-x", "trials": 8, "finished_trials": 8,
        "best": {"service.agents": 2}, "best_scenario_hash": "def"}))
    fig, ax = axes()
    ax.plot([0, 1], [1, 0])
    save(fig, out / "figures", "history")
    code, _o, err = _cli(["report", str(out)], capsys)
    assert code == 0, err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Optimisation: Online shop" in html and "best &lt;design&gt;" in html
    assert "data:image/png;base64," in html and "<td>1,200</td>" in html and "<td>def</td>" in html
    code, _o, err = _cli(["plot", str(out)], capsys)
    assert code == 2 and "an optimisation's output" in err


def test_scenario_differences_list_policies_by_type_with_their_non_default_settings():
    from loopsim.report.sections import _scenario_flat

    pts = loopsim.load_scenario(SCENARIOS / "retailer_points.toml")
    flat = _scenario_flat(pts)
    assert flat["policies.points"] == "on"
    assert flat["policies.points.expiry"] == "fixed"             # the file sets it
    assert not any(k.startswith("policies.points.behaviour.") for k in flat)   # defaults left out
    assert not any(k.startswith("policies.0") for k in flat)
