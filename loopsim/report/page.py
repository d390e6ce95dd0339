"""The HTML page of a report: one self-contained file (inline CSS, figures as base64 data URIs,
no script, nothing fetched from the network), responsive for phones and laid out for print."""

from __future__ import annotations

import base64
import io
from html import escape

from matplotlib.figure import Figure

CSS = """
:root { --fg:#1a1a1a; --muted:#555; --line:#d0d0d0; --accent:#0072B2; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; padding: 1rem; max-width: 70rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent);
     padding-bottom: .2rem; margin-top: 2rem; } h3 { font-size: 1.05rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child, table.diff td, table.prov td { text-align: left; }
thead th { background: #f3f3f3; position: sticky; top: 0; }
figure { margin: 1.2rem 0; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
.explain p { background: #f5f9fc; border-left: 4px solid var(--accent); padding: .5rem .8rem; }
.muted { color: var(--muted); }
nav a { margin-right: .8rem; }
@media (max-width: 600px) { body { font-size: 15px; padding: .6rem; } h1 { font-size: 1.3rem; }
  th, td { padding: .2rem .35rem; } nav a { display: inline-block; margin: .1rem .5rem .1rem 0; } }
@media print { body { max-width: none; font-size: 10.5pt; } nav { display: none; }
  .scroll { overflow: visible; } thead th { position: static; }
  h2 { break-after: avoid; page-break-after: avoid; } tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; } }
"""


def png_uri(fig: Figure) -> str:
    """A figure as a ``data:image/png;base64`` URI (150 dpi)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def file_uri(data: bytes, suffix: str) -> str:
    """A PNG or SVG file's bytes as a data URI (an SVG shown through ``img`` runs no script)."""
    mime = "image/svg+xml" if suffix == ".svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def figure(uri: str, caption: str) -> str:
    """A figure block (the caption is escaped and is the image's alt text)."""
    c = escape(caption)
    return f"<figure><img src='{uri}' alt='{c}'><figcaption>{c}</figcaption></figure>"


def page(title: str, sections: list[tuple[str, str, str]]) -> str:
    """The whole document: ``sections`` are ``(id, heading, html)``; headings are escaped."""
    nav = " ".join(f"<a href='#{sid}'>{escape(h)}</a>" for sid, h, _ in sections)
    body = "\n".join(f"<section id='{sid}'><h2>{escape(h)}</h2>\n{html}\n</section>" for sid, h, html in sections)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>"
            f"<header><h1>{escape(title)}</h1><nav>{nav}</nav></header>\n{body}\n</body></html>\n")
