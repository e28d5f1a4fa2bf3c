"""Evidence base: schema, store, importers, de-duplication and the curated corpus of the review."""

__all__: list[str] = []
