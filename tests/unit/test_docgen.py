"""The metric tables of docs/metrics.md are generated from the metric declarations."""

from __future__ import annotations

from pathlib import Path

from loopsim import docgen
from loopsim.metrics import BUILTIN, POLICY_METRICS

ROOT = Path(__file__).resolve().parents[2]


def test_metric_tables_in_the_docs_are_up_to_date():
    committed = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert docgen.render_metrics() in committed, \
        "docs/metrics.md is stale: run `python -m loopsim.docgen metrics docs/metrics.md`"


def test_every_declared_metric_has_a_row():
    doc = docgen.render_metrics()
    for m in (*BUILTIN, *(m for ms in POLICY_METRICS.values() for m in ms)):
        assert f"| `{m.name}` | {m.unit} |" in doc, m.name


def test_update_rewrites_only_the_marked_part(tmp_path):
    page = tmp_path / "metrics.md"
    page.write_text(f"# Title\nprose\n{docgen.METRICS_BEGIN}\nold table\n{docgen.METRICS_END}\ntail\n",
                    encoding="utf-8")
    docgen.update_metrics_doc(page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Title\nprose\n") and text.endswith("\ntail\n")
    assert "old table" not in text and docgen.render_metrics() in text


def test_bad_use_is_one_line_and_exit_2_and_leaves_the_page(tmp_path, capsys):
    page = tmp_path / "metrics.md"
    page.write_text("# no markers\n", encoding="utf-8")
    for argv, words in ((["metrics", str(page)], "markers of the generated metric tables are missing"),
                        (["metrics", str(tmp_path / "none.md")], "none.md: No such file"),
                        (["metrics"], "usage: python -m loopsim.docgen [metrics FILE]")):
        assert docgen.main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err
    assert page.read_text(encoding="utf-8") == "# no markers\n"


def test_main_writes_the_tables(tmp_path):
    page = tmp_path / "metrics.md"
    page.write_text(f"{docgen.METRICS_BEGIN}\n{docgen.METRICS_END}\n", encoding="utf-8")
    assert docgen.main(["metrics", str(page)]) == 0
    assert docgen.render_metrics() in page.read_text(encoding="utf-8")
