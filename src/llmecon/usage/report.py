"""The report's "Your traffic" section, from a usage profile (``llmecon report --usage``).

``html_section`` and ``markdown_section`` lay out the same content: where the workload came
from, its headline figures, the three traffic charts (plotly figures in HTML, SVG files in
Markdown), the bill reconciled against llmecon's prices, and the notes.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from llmecon.fmt import money, si

if TYPE_CHECKING:
    from llmecon.usage.profile import UsageProfile

TITLE = "Your traffic"
ANCHOR = "traffic"


def facts(p: UsageProfile) -> list[str]:
    """Headline lines of the profile."""
    out = [
        f"{p.format_label}: {len(p.files)} file(s), {p.rows_used:,} rows used of "
        f"{p.rows_read:,}, {p.start} to {p.end} UTC"
    ]
    if p.requests_per_month is not None:
        out.append(f"requests per month: {p.requests_per_month:,.0f}")
    if p.input_tokens.mean is not None and p.output_tokens.mean is not None:
        q = p.input_tokens
        pct = (
            f" (p50 {q.p50:,.0f}, p90 {q.p90:,.0f}, p99 {q.p99:,.0f})" if q.p50 is not None else ""
        )
        out.append(
            f"tokens per request: {p.input_tokens.mean:,.0f} input{pct}, "
            f"{p.output_tokens.mean:,.0f} output"
        )
    out.append(f"cached input share: {p.cached_input_share:.1%}")
    if p.growth is not None:
        out.append(f"monthly growth: {p.growth.monthly:+.2%} (fitted on {p.growth.months} months)")
    if p.peak_to_average is not None:
        out.append(f"peak to average: {p.peak_to_average:.2f}")
    if p.failure_share is not None:
        out.append(f"failed requests: {p.failure_share:.2%}")
    line = p.malformed_line()
    if line:
        out.append(line)
    return out


def _bill_rows(p: UsageProfile) -> list[list[str]]:
    r = p.reconciliation
    if r is None:
        return []
    return [
        [
            x.month,
            x.model,
            "-" if x.requests is None else f"{x.requests:,.0f}",
            money(x.logged_usd),
            money(x.priced_usd),
            money(x.difference_usd),
        ]
        for x in r.lines
    ]


BILL_HEAD = ["month", "model", "requests", "logged", "llmecon prices", "difference"]


def html_section(p: UsageProfile, fig_html: Callable[[dict[str, Any], str], str]) -> str:
    """The section's HTML body; ``fig_html(figure, div_id)`` draws a plotly figure."""
    from llmecon.usage.charts import figures

    parts = ["<p>The workload of this report comes from these usage files.</p>"]
    parts.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in facts(p)) + "</ul>")
    for cid, fig in figures(p).items():
        parts.append(fig_html(fig, f"chart-usage-{cid}"))
    rows = _bill_rows(p)
    if rows:
        th = "".join(f"<th>{escape(h)}</th>" for h in BILL_HEAD)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        parts.append("<h3>The bill</h3>")
        parts.append(
            f'<table class="num"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
        )
        assert p.reconciliation is not None
        parts.append(f"<p>{escape(p.reconciliation.explain())}</p>")
    if p.notes:
        parts.append(
            '<ul class="small">' + "".join(f"<li>note: {escape(n)}</li>" for n in p.notes) + "</ul>"
        )
    return "\n".join(parts)


def markdown_section(p: UsageProfile, files_dir: str) -> tuple[list[str], dict[str, str]]:
    """The section's Markdown blocks and its chart files (relative path -> SVG text)."""
    from urllib.parse import quote

    from llmecon.usage.charts import svgs

    def md(x: str) -> str:
        return x.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")

    blocks = ["The workload of this report comes from these usage files."]
    blocks.append("\n".join(f"- {md(x)}" for x in facts(p)))
    files: dict[str, str] = {}
    for cid, text in svgs(p).items():
        rel = f"{files_dir}/usage_{cid}.svg"
        files[rel] = text
        blocks.append(f"![{cid.replace('_', ' ')}]({quote(rel)})")
    rows = _bill_rows(p)
    if rows:
        blocks.append("### The bill")
        lines = ["| " + " | ".join(BILL_HEAD) + " |", "|" + "---|" * len(BILL_HEAD)]
        lines += ["| " + " | ".join(md(c) for c in r) + " |" for r in rows]
        blocks.append("\n".join(lines))
        assert p.reconciliation is not None
        blocks.append(md(p.reconciliation.explain()))
    if p.notes:
        blocks.append("\n".join(f"- note: {md(n)}" for n in p.notes))
    return blocks, files


def volume_text(p: UsageProfile) -> str:
    """``204 requests/month`` or the token volume when the export has no request counts."""
    if p.requests_per_month is not None:
        return f"{si(p.requests_per_month)} requests/month"
    return f"{si(p.input_tokens_per_month + p.output_tokens_per_month)} tokens/month"
