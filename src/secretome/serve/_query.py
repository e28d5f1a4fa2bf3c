"""The query parameters of the list views: a malformed one is named in one line and replaced by its default.

A list view (Studies, Evidence map, Screening, Extraction) reached by a hand-edited or stale URL
(``?page=abc``, ``?sort=colour``, ``?page=5`` of 1) still renders its filters and navigation: the bad parameter is
set aside, the view shows its default instead, and one line says which parameter, what it held and
what is shown. The page answers 400 then, as a form error does, but is a page the user can go on from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams

from secretome.errors import InputError, shorten
from secretome.evidence import Store, StudyPage, search_studies

__all__ = ["STUDY_DEFAULTS", "QueryCheck", "search_or_defaults"]

STUDY_DEFAULTS: dict[str, Any] = {"page": 1, "per_page": 50, "q": None, "sort": "id"}
"""The parameters of a study search that :func:`search_studies` checks, and what is shown without them."""
_SEARCH_ARGS = {"page": "page", "per_page": "per_page", "q": "text", "sort": "sort"}


@dataclass(slots=True)
class QueryCheck:
    """The parameters of one request, read with a default for each, and the lines naming those set aside.

    >>> check = QueryCheck(QueryParams("page=abc&sort=year"))
    >>> check.whole_number("page", 1), check.choice("sort", ("id", "year"), "id")
    (1, 'year')
    >>> print(check.problems[0])
    query parameter 'page': must be a whole number (got 'abc'); showing 1 instead
    >>> check.kept()
    [('sort', 'year')]
    """

    params: QueryParams
    problems: list[str] = field(default_factory=list, init=False)
    ignored: set[str] = field(default_factory=set, init=False)

    def ignore(self, name: str, reason: str, value: object, default: object) -> None:
        """Set parameter *name* aside: *reason* it is wrong, the *value* it held, the *default* shown instead."""
        shown = "all" if default in ("", None) else str(default)
        self.problems.append(
            f"query parameter {name!r}: {reason} (got {shorten(repr(value))}); showing {shorten(shown)} instead"
        )
        self.ignored.add(name)

    def whole_number(self, name: str, default: int) -> int:
        """Parameter *name* as an int, or *default* when it is absent or not a whole number."""
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            self.ignore(name, "must be a whole number", raw, default)
            return default

    def choice(self, name: str, allowed: Iterable[str], default: str) -> str:
        """Parameter *name* if it is one of *allowed*, else *default* (absent or empty: *default*, silently)."""
        raw = self.params.get(name)
        if not raw:
            return default
        options = tuple(allowed)
        if raw not in options:
            self.ignore(name, f"must be one of {', '.join(repr(o) for o in options)}", raw, default)
            return default
        return raw

    def kept(self) -> list[tuple[str, str]]:
        """Every parameter given, repeated ones included, but for those set aside: for the view's links."""
        return [(k, v) for k, v in self.params.multi_items() if k not in self.ignored]

    @property
    def status(self) -> int:
        """400 when a parameter was set aside, else 200."""
        return 400 if self.problems else 200


def search_or_defaults(store: Store, query: dict[str, Any], check: QueryCheck) -> StudyPage:
    """:func:`search_studies` with the keyword arguments *query*; a parameter it refuses (page 0, 2,000
    studies a page, a search text too long) is set aside in *check* and the search rerun without it.
    A page beyond the last one (a stale link, after a filter or a deletion) is set aside for the last page."""
    while True:
        try:
            found = search_studies(store, **query)
            if found.page <= found.n_pages:
                return found
            check.ignore("page", "beyond the last page", found.page, found.n_pages)
            query["page"] = found.n_pages
        except InputError as exc:
            name = exc.field or ""
            key = _SEARCH_ARGS.get(name)
            if key is None or query.get(key) == STUDY_DEFAULTS[name]:
                raise  # not a parameter of the URL, or its default refused: a bug, not bad input
            check.ignore(name, exc.reason, exc.value, STUDY_DEFAULTS[name])
            query[key] = STUDY_DEFAULTS[name]
