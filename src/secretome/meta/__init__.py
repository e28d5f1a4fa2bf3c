"""Meta-analysis engine: effect sizes and models whose numbers agree with R's metafor.

It knows nothing of osteoarthritis: arrays or tables in, result objects out.
"""

__all__: list[str] = []
