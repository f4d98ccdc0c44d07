"""Write ``support_bot_spendlogs.csv``: a small LiteLLM SpendLogs export shaped like the
support-bot example (examples/support_bot.yaml), for ``llmecon profile`` and
``llmecon evaluate examples/support_bot.yaml --usage examples/usage/support_bot_spendlogs.csv``.

A sample, not a volume: 600 requests over January to March 2026 (the support bot serves 20M a
month), with its shape: ~2,000 input tokens per request of which half are read from the
prompt cache, ~300 output tokens, 3 %/month growth, a daytime peak twice the mean, 1 % failed
requests. Spend is each request priced at llmecon's catalog price for gpt-4o (so the bill
reconciles to zero). Fixed seed: the file is the same on every run.

Run: python examples/usage/make_sample.py
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from pathlib import Path

OUT = Path(__file__).with_name("support_bot_spendlogs.csv")
SEED = 14
ROWS = 600
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAYS = 90
GROWTH = 0.03  # per month


def hour_weight(h: int) -> float:
    """Daytime peak about twice the mean hour (a raised cosine, peak at 14:00 UTC)."""
    return 1.0 + 0.95 * math.cos((h - 14) / 24 * 2 * math.pi)


def main() -> None:
    from llmecon.catalog.api_prices import api_price

    rng = random.Random(SEED)
    price = api_price("gpt-4o", "openai", dt.date(2026, 1, 1))
    # the rows' start times: day weights grow 3 %/month, hours follow the daily shape
    slots = [(d, h) for d in range(DAYS) for h in range(24)]
    weights = [(1 + GROWTH) ** (d / 30.4375) * hour_weight(h) for d, h in slots]
    rows = []
    for i, (d, h) in enumerate(sorted(rng.choices(slots, weights, k=ROWS))):
        start = START + dt.timedelta(days=d, hours=h, seconds=rng.randrange(3600))
        prompt = max(50, round(rng.lognormvariate(math.log(2000) - 0.08, 0.4)))
        completion = max(5, round(rng.lognormvariate(math.log(300) - 0.18, 0.6)))
        cached = (prompt // 2 // 128) * 128  # half the prompt, in 128-token cache blocks
        failed = rng.random() < 0.01
        ttft = rng.uniform(0.3, 0.9)
        total = ttft + completion / rng.uniform(60, 90)
        cost = (
            (prompt - cached) * price.input_per_mtok
            + cached * (price.cached_input_per_mtok or price.input_per_mtok)
            + completion * price.output_per_mtok
        ) / 1e6
        if failed:
            prompt = completion = cached = 0
            cost = 0.0
        rows.append(
            {
                "request_id": f"chatcmpl-{i:05d}",
                "call_type": "acompletion",
                "startTime": start.isoformat().replace("+00:00", "Z"),
                "endTime": (start + dt.timedelta(seconds=total)).isoformat().replace("+00:00", "Z"),
                "completionStartTime": (start + dt.timedelta(seconds=ttft))
                .isoformat()
                .replace("+00:00", "Z"),
                "model": "gpt-4o",
                "custom_llm_provider": "openai",
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "spend": round(cost, 8),
                "cache_hit": "False",
                "status": "failure" if failed else "success",
                "team_id": "support",
                "metadata": json.dumps(
                    {
                        "additional_usage_values": {
                            "prompt_tokens_details": {"cached_tokens": cached}
                        }
                    }
                ),
            }
        )
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
