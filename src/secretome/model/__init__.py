"""Mechanistic model of OA cartilage and synovium under MSC-secretome therapy."""

__all__: list[str] = []
