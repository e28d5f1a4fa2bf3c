"""The living state-of-the-art report, assembled from the evidence, meta and model engines."""

__all__: list[str] = []
