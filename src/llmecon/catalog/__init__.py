"""Fact catalogs that ship with the package: GPUs, GPU rental prices, open-model
architectures, published training compute, other cited constants, and API prices.

Every row carries ``source`` and ``as_of``. Look-ups accept the names people use
(``H100``, ``h100-sxm``, ``Llama-3.1-8B``): see ``resolve_gpu`` and ``resolve_model``.
API prices come from the bundled genai-prices snapshot through ``catalog.api_prices``, which
reads it from the price book (``catalog.price_book``); no other module imports genai-prices.
"""

from llmecon.catalog.tables import (
    GPU,
    Fact,
    GPUPrice,
    ModelArch,
    RateLimit,
    TrainingRecord,
    fact,
    facts,
    gpu_prices,
    gpus,
    models,
    rate_limit,
    rate_limits,
    resolve_gpu,
    resolve_model,
    training_records,
)
from llmecon.errors import CatalogError

__all__ = [
    "GPU",
    "CatalogError",
    "Fact",
    "GPUPrice",
    "ModelArch",
    "RateLimit",
    "TrainingRecord",
    "fact",
    "facts",
    "gpu_prices",
    "gpus",
    "models",
    "rate_limit",
    "rate_limits",
    "resolve_gpu",
    "resolve_model",
    "training_records",
]
