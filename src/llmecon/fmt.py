"""Money and number formatting shared by every face (CLI, reports, charts, analysis text).

One rule set, so a figure reads the same everywhere:

* ``money(x)``: ``$1,234`` from $100, ``$12.34`` below;
* ``money_compact(x)``: SI-compacted, three significant digits: ``$1.23M``, ``$340k``, ``$12``;
* ``money_cents(x)``: always two decimals (prices per hour): ``$4.10``;
* ``money_sig(x, digits)``: significant digits for small unit prices: ``$0.0123``;
* negative amounts put the minus sign (U+2212) before the dollar: ``−$1.2M``, never
  ``$−1.2M`` or ``$-1,234``; a missing or non-finite amount is ``-``.

Plotly charts take the same conventions through ``PLOTLY_MONEY_TICKFORMAT`` (axis ticks,
d3-format: the sign goes before the currency symbol) and ``plotly_money`` (hover text).

This module imports nothing heavy (no numpy): the CLI loads it at start.
"""

from __future__ import annotations

import math
from typing import SupportsFloat

#: The minus sign of negative amounts (U+2212), placed before the dollar sign.
MINUS = "\u2212"

#: Plotly axis tick format for money (d3-format, locale currency "$", SI suffix, trailing
#: zeros trimmed): ``$1.2M``, ``−$340k``. Use it *instead of* ``tickprefix="$"``, which would
#: put the dollar before the sign.
PLOTLY_MONEY_TICKFORMAT = "$~s"
#: Plotly hover number format for money (d3-format): ``$1,234``, sign before the dollar.
PLOTLY_MONEY_HOVERFORMAT = "$,.0f"

_SI = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _finite(x: SupportsFloat | None) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _signed(v: float, body: str) -> str:
    """``body`` (an unsigned amount) with ``$`` and the sign of ``v`` in front."""
    return f"{MINUS if v < 0 and body.strip('0.,') else ''}${body}"


def money(x: SupportsFloat | None) -> str:
    """``$1,234`` for amounts from $100, ``$12.34`` below, ``−$1,234`` for negatives; ``-`` for
    none or a non-finite amount."""
    v = _finite(x)
    if v is None:
        return "-"
    a = abs(v)
    return _signed(v, f"{a:,.0f}" if a >= 100 else f"{a:,.2f}")


def money_cents(x: SupportsFloat | None) -> str:
    """Always two decimals, e.g. ``$4.10`` (prices per GPU-hour); ``-`` for none."""
    v = _finite(x)
    if v is None:
        return "-"
    return _signed(v, f"{abs(v):,.2f}")


def money_sig(x: SupportsFloat | None, digits: int = 3) -> str:
    """``digits`` significant digits, e.g. ``$2.5``, ``$0.0123`` (unit prices); ``-`` for
    none."""
    v = _finite(x)
    if v is None:
        return "-"
    return _signed(v, f"{abs(v):,.{digits}g}")


def si(x: SupportsFloat, digits: int = 3) -> str:
    """A number with an SI suffix and ``digits`` significant digits: ``3.1M``, ``340k``,
    ``12.5``; rounding never shows ``1e+03k`` (999,999 -> ``1M``)."""
    v = float(x)
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    r = float(f"{a:.{digits}g}")  # round first, so the suffix follows the rounded value
    sign = "-" if v < 0 and r else ""
    for div, suffix in _SI:
        if r >= div:
            return f"{sign}{r / div:,.{digits}g}{suffix}"
    if r and r < 1e-3:
        return f"{sign}{r:.{digits - 1}e}"
    return f"{sign}{r:,.{digits}g}"


def money_compact(x: SupportsFloat | None, digits: int = 3) -> str:
    """SI-compacted money with ``digits`` significant digits: ``$1.23M``, ``$340k``, ``$12``,
    ``−$1.2M``; ``-`` for none."""
    v = _finite(x)
    if v is None:
        return "-"
    return _signed(v, si(abs(v), digits))


def plotly_money(var: str = "y") -> str:
    """A plotly hovertemplate field showing ``var`` as money, e.g. ``%{y:$,.0f}``."""
    return "%{" + var + ":" + PLOTLY_MONEY_HOVERFORMAT + "}"


__all__ = [
    "MINUS",
    "PLOTLY_MONEY_HOVERFORMAT",
    "PLOTLY_MONEY_TICKFORMAT",
    "money",
    "money_cents",
    "money_compact",
    "money_sig",
    "plotly_money",
    "si",
]


def plural(count: int, noun: str) -> str:
    """``1 quote``, ``2 quotes``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
