"""`insights --html FILE`: one self-contained page (inline CSS and SVG, no script, no
network) with the run's waterfall, the trends of the last runs, costs and
recommendations, to attach to a pull request or a wiki page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from pipectl.insights.model import Report, Run
from pipectl.ui.insights_view import (
    cost_lines,
    estimate_note,
    headline,
    label,
    saving,
    seconds,
)

ROW = 22
LABEL_W = 260
CHART_W = 640
COLORS = {"action": "#1f77b4", "phase": "#6baed6", "rollout": "#9467bd", "gap": "#f2b400"}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;
color:#1b1f23;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#57606a}table{border-collapse:collapse}
td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eaecef}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:12px system-ui,sans-serif;fill:#1b1f23}
.rec{border-left:4px solid #1f77b4;padding:4px 12px;margin:10px 0;background:#f6f8fa}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;
vertical-align:middle}
"""


def render(report: Report, run: Run) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>pipectl insights: {escape(report.pipeline)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>pipectl insights: {escape(report.pipeline)}</h1>",
        f'<p class="muted">{escape(headline(run))}</p>',
        "<h2>Waterfall</h2>",
        _legend(),
        _waterfall(run),
        "<h2>Last runs</h2>",
        _summary(report),
        _trends(report),
        "<h2>Work done for nothing</h2>",
        _waste(report),
        "<h2>Cost</h2>",
        *(f"<p>{escape(line[0].upper() + line[1:])}.</p>"
          for line in cost_lines(report.summary)),
        f'<p class="muted">{escape(estimate_note())}</p>',
        "<h2>Recommendations</h2>",
        _recommendations(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html(path: Path, report: Report, run: Run) -> None:
    from pipectl.errors import InvalidInput

    try:
        path.write_text(render(report, run), encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}",
                           hint="--html needs a file in a directory that exists") from None


def _legend() -> str:
    items = "".join(f'<span style="background:{color}"></span>{escape(kind)}'
                    for kind, color in COLORS.items())
    return f'<p class="legend muted">{items}</p>'


def _waterfall(run: Run) -> str:
    height = ROW * (len(run.steps) + 1) + 10
    width = LABEL_W + CHART_W + 120
    total = max(run.duration, 1e-9)
    rows = [f'<svg id="waterfall" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="waterfall of run {escape(run.id)}">',
            f'<line x1="{LABEL_W}" y1="0" x2="{LABEL_W}" y2="{height}" stroke="#d0d7de"/>']
    for index, step in enumerate(run.steps):
        y = ROW * index + 4
        x = LABEL_W + (step.start - run.start) / total * CHART_W
        w = max(2.0, step.duration / total * CHART_W)
        color = COLORS.get(step.kind, "#888")
        title = escape(f"{label(step).strip()}: {seconds(step.duration)} "
                       f"(+{seconds(step.start - run.start)})")
        indent = 4 + 14 * (len(label(step)) - len(label(step).lstrip(" "))) // 2
        rows.append(f'<text x="{indent}" y="{y + 14}">{escape(label(step).strip())}</text>')
        rows.append(f'<rect class="bar {escape(step.kind)}" x="{x:.1f}" y="{y}" '
                    f'width="{w:.1f}" height="{ROW - 6}" rx="2" fill="{color}"'
                    ">"
                    f"<title>{title}</title></rect>")
        rows.append(f'<text x="{min(x + w + 4, width - 60):.1f}" y="{y + 14}">'
                    f"{escape(seconds(step.duration))}</text>")
    rows.append("</svg>")
    return "\n".join(rows)


def _summary(report: Report) -> str:
    s = report.summary
    rate = "-" if s.success_rate is None else f"{s.success_rate:.0%}"
    return (f"<p>{s.runs} runs, {s.succeeded} succeeded ({rate}); median "
            f"{escape(seconds(s.median_s))}, p90 {escape(seconds(s.p90_s))}; dominant step: "
            f"<b>{escape(s.dominant or '-')}</b></p>")


def _spark(series: tuple[float, ...]) -> str:
    w, h = 160, 24
    if not series:
        return ""
    high = max(series) or 1.0
    step = w / max(len(series) - 1, 1)
    points = " ".join(f"{i * step:.1f},{h - 2 - v / high * (h - 4):.1f}"
                      for i, v in enumerate(series))
    return (f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">'
            f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{points}"/>'
            "</svg>")


def _trends(report: Report) -> str:
    rows = ["<table><tr><th>step</th><th>median</th><th>p90</th><th>max</th>"
            "<th>trend (oldest to newest)</th></tr>"]
    for st in report.summary.steps:
        rows.append(f"<tr><td>{escape(st.key)}</td><td class=n>{seconds(st.median)}</td>"
                    f"<td class=n>{seconds(st.p90)}</td><td class=n>{seconds(st.max)}</td>"
                    f"<td>{_spark(st.series)} {st.slope:+.1f}s/run</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _waste(report: Report) -> str:
    if not report.summary.waste:
        return "<p>None found.</p>"
    items = "".join(f"<li><code>{escape(w.run)}</code> {escape(w.kind)}: {escape(w.detail)}"
                    "</li>" for w in report.summary.waste)
    return f"<ul>{items}</ul>"


def _recommendations(report: Report) -> str:
    if not report.recommendations:
        return "<p>None: these runs show nothing to change.</p>"
    blocks = []
    for rec in report.recommendations:
        evidence = "".join(f"<li>{escape(e)}</li>" for e in rec.evidence)
        blocks.append(f'<div class="rec" id="rec-{escape(rec.id)}"><b>{escape(rec.title)}</b> '
                      f'<span class="muted">({escape(saving(rec))})</span><ul>{evidence}</ul>'
                      f"<p>Change: <code>{escape(rec.change)}</code></p></div>")
    return "\n".join(blocks)
