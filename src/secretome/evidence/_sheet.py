"""The extraction sheet (CSV or XLSX): one row per result and arm, read back into validated studies.

A reviewer extracts into a spreadsheet (the layout of :data:`SHEET_COLUMNS`, written empty by
:func:`write_template`) and imports it; :func:`read_sheet` builds one study document per
``study_id`` in the layout of ``docs/corpus-format.md`` and validates it with
:func:`~secretome.evidence._schema.parse_study`, honesty check included: every number of a result
must be stated by that result's ``quote``. Rows of one study repeat its study columns; rows of one
result (same ``study_id`` and ``result`` number) repeat its result columns and give one arm each.
What kind a result is follows from what is filled: arm statistics (``n`` ... ``max``), an effect
(``estimate``), or only a ``direction``.

Errors name the sheet, the 1-based row (the header is row 1, as a spreadsheet shows it), the
study, the column and the value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from secretome._files import atomic_write_bytes, atomic_write_text, output_format
from secretome._result import Result
from secretome.errors import InputError, NotLandedError, check_choice, shorten
from secretome.evidence._csv_table import check_header, read_csv_table
from secretome.evidence._schema import ARM_STATISTICS, Study, parse_study

__all__ = ["SHEET_COLUMNS", "TEMPLATE_FORMATS", "SheetStudy", "TemplateResult", "read_sheet", "write_template"]

TEMPLATE_FORMATS = ("csv", "xlsx")
"""The formats of :func:`write_template`."""

_STUDY = ("study_id", "design", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "url")
_ARM = ("arm", "arm_role", "arm_label", "product", "msc_source")
_RESULT = ("result", "outcome", "timepoint", "timepoint_days", "treatment", "control")
_EFFECT = ("measure", "estimate", "ci_lb", "ci_ub", "effect_se")
_DIRECTION = ("direction", "significant", "p")
_PROVENANCE = ("source", "location", "quote", "status", "method")

SHEET_COLUMNS = (*_STUDY, *_ARM, *_RESULT, *ARM_STATISTICS, *_EFFECT, *_DIRECTION, *_PROVENANCE)
"""The columns of the extraction sheet, in order."""

_INTEGERS = {"year", "result", "n", "events"}
_NUMBERS = {"timepoint_days", *ARM_STATISTICS, "estimate", "ci_lb", "ci_ub", "effect_se"} - _INTEGERS


@dataclass(frozen=True, slots=True)
class TemplateResult(Result):
    """The template that was written."""

    path: str
    columns: tuple[str, ...]

    def summary(self) -> str:
        """One line.

        >>> TemplateResult("sheet.csv", ("study_id", "design")).summary()
        'Wrote the extraction sheet sheet.csv (2 columns)'
        """
        return f"Wrote the extraction sheet {self.path} ({len(self.columns)} columns)"


@dataclass(frozen=True, slots=True)
class SheetStudy:
    """A study read from a sheet: the validated study, its document and the sheet rows it came from."""

    study: Study
    document: dict[str, Any]
    rows: tuple[int, ...]


def write_template(out: str | Path, *, to: str | None = None) -> TemplateResult:
    """Write an empty extraction sheet (the header row of :data:`SHEET_COLUMNS`) to *out*.

    Parameters
    ----------
    out : str or Path
        The file to write.
    to : {"csv", "xlsx"}, optional
        The format: CSV, or an Excel workbook (one sheet, ``extraction``, with the header row
        bold and frozen; needs openpyxl). Default: by the extension of *out*.

    Raises
    ------
    InputError
        An unknown format, or one that the extension of *out* contradicts.
    OutputError
        *out* cannot be written.
    """
    if to is not None:
        check_choice("to", to, TEMPLATE_FORMATS, owner="write_template")
    if output_format(out, to, {".csv": "csv", ".xlsx": "xlsx"}) == "xlsx":
        path = atomic_write_bytes(out, _xlsx_template())
        return TemplateResult(str(path), SHEET_COLUMNS)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(SHEET_COLUMNS)
    path = atomic_write_text(out, buffer.getvalue())
    return TemplateResult(str(path), SHEET_COLUMNS)


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # an optional dependency: only XLSX sheets need it
        raise NotLandedError("XLSX sheets need openpyxl (pip install openpyxl); use a CSV sheet instead") from None
    return openpyxl


def _xlsx_template() -> bytes:
    openpyxl = _openpyxl()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "extraction"
    sheet.append(list(SHEET_COLUMNS))
    for cell in sheet[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    sheet.freeze_panes = "A2"
    # Text format for the columns whose leading zeros or exact digits matter (a PMID, a DOI).
    for column, name in enumerate(SHEET_COLUMNS, start=1):
        if name in ("doi", "pmid", "pages", "volume", "issue"):
            letter = openpyxl.utils.get_column_letter(column)
            sheet.column_dimensions[letter].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_text(value: object) -> str:
    """A cell as the text a CSV sheet would hold: 8.0 typed in Excel is the integer 8."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, file: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows (1-based spreadsheet row, cells as text) of the first worksheet."""
    openpyxl = _openpyxl()
    # read_only workbooks parse each worksheet's XML only while its rows are read, so a damaged,
    # truncated or missing worksheet part fails inside iter_rows, not in load_workbook.
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise InputError("the workbook has no worksheet", file=file)
            rows = [[_cell_text(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except InputError:
        raise
    except Exception as exc:  # zipfile, XML, KeyError, IndexError...: whatever a damaged file makes openpyxl raise
        raise InputError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file) from None
    if not rows:
        return [], []
    header = [c.strip() for c in rows[0]]
    while header and not header[-1]:  # formatted but empty cells right of the header
        header = header[:-1]
    check_header(header, file)
    body = []
    for number, cells in enumerate(rows[1:], start=2):
        extra = [c for c in cells[len(header) :] if c.strip()]
        body.append((number, cells[: len(header)] + extra))
    return header, body


class _Rows:
    """The rows of one study, with errors that name sheet, row, study and column."""

    def __init__(self, file: str, study_id: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        self.file, self.study_id, self.rows = file, study_id, rows

    def fail(self, reason: str, row: int, column: str | None, value: object = None) -> InputError:
        return InputError(reason, file=self.file, row=row, record=self.study_id, field=column, value=value)

    def same(self, rows: Iterable[tuple[int, dict[str, Any]]], columns: Iterable[str]) -> dict[str, Any]:
        """The values of *columns*, which every row must repeat (or leave empty)."""
        rows = list(rows)
        values: dict[str, Any] = {}
        for column in columns:
            filled = [(n, row[column]) for n, row in rows if row[column] is not None]
            values[column] = filled[0][1] if filled else None
            for number, value in filled[1:]:
                if value != values[column]:
                    first = shorten(repr(values[column]))
                    reason = f"disagrees with row {filled[0][0]} ({first}) of the same study, result or arm"
                    raise self.fail(reason, number, column, value)
        return values


def _typed(value: str, column: str, fail: Any) -> Any:
    text = value.strip()
    if not text:
        return None
    try:
        if column in _INTEGERS:
            return int(text)
        if column in _NUMBERS:
            return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise fail("not a number", column, value) from None
    if column == "significant":
        if text.lower() not in ("true", "false", "yes", "no"):
            raise fail("must be true or false", column, value)
        return text.lower() in ("true", "yes")
    return text


def _document(group: _Rows) -> tuple[dict[str, Any], dict[str, int]]:
    """The study document, and for each field-path prefix the sheet row it came from."""
    first_row = group.rows[0][0]
    study = group.same(group.rows, _STUDY)
    reference = {k: study[k] for k in ("title", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "url")}
    reference["authors"] = [a.strip() for a in (study["authors"] or "").split(";") if a.strip()]
    document: dict[str, Any] = {
        "id": group.study_id,
        "schema_version": 1,
        "design": study["design"],
        "reference": {k: v for k, v in reference.items() if v is not None or k in ("year", "title")},
        "arms": [],
        "results": [],
    }
    origin: dict[str, int] = {"": first_row}
    arms: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in group.rows:
        if row["arm"] is None:
            raise group.fail("every row gives the arm it is about", number, "arm")
        arms.setdefault(row["arm"], []).append((number, row))
    for i, (arm_id, rows) in enumerate(arms.items()):
        arm = group.same(rows, _ARM)
        given = {"product": arm["product"], "msc_source": arm["msc_source"]}
        entry = {"id": arm_id, "role": arm["arm_role"], "label": arm["arm_label"] or arm_id}
        if any(v is not None for v in given.values()):
            entry["intervention"] = {k: v for k, v in given.items() if v is not None}
        document["arms"].append(entry)
        origin[f"arms[{i}]"] = rows[0][0]
    results: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in group.rows:
        if row["result"] is None:
            raise group.fail("every row gives its result number", number, "result")
        results.setdefault(row["result"], []).append((number, row))
    for i, (_, rows) in enumerate(sorted(results.items())):
        res = group.same(rows, (*_RESULT, *_EFFECT, *_DIRECTION, *_PROVENANCE))
        entry = {k: res[k] for k in ("outcome", "timepoint", "timepoint_days", "treatment", "control") if res[k]}
        entry["provenance"] = {k: res[k] for k in _PROVENANCE if res[k] is not None}
        origin[f"results[{i}]"] = rows[0][0]
        stats = {}
        for number, row in rows:
            values = {k: row[k] for k in ARM_STATISTICS if row[k] is not None}
            if values:
                stats[row["arm"]] = values
                origin[f"results[{i}].arm_data.{row['arm']}"] = number
        if stats:
            entry["arm_data"] = stats
        if res["estimate"] is not None:
            effect = {"measure": res["measure"], "estimate": res["estimate"], "ci_lb": res["ci_lb"]}
            effect |= {"ci_ub": res["ci_ub"], "se": res["effect_se"]}
            entry["effect"] = {k: v for k, v in effect.items() if v is not None}
        entry |= {k: res[k] for k in _DIRECTION if res[k] is not None}
        document["results"].append(entry)
    return document, origin


def read_sheet(path: str | Path, *, sheet_format: str | None = None) -> list[SheetStudy]:
    """Read an extraction sheet (CSV or XLSX) into validated studies.

    Parameters
    ----------
    path : str or Path
        A CSV file, or an Excel workbook (``.xlsx``, first worksheet; needs openpyxl), with the
        header :data:`SHEET_COLUMNS` (extra columns are an error, missing ones are empty). Rows
        are numbered as the spreadsheet shows them; a number typed in Excel reads as the text a
        CSV would hold (8.0 is 8).
    sheet_format : {"csv", "xlsx"}, optional
        Default: by the extension.

    Returns
    -------
    list of SheetStudy
        One per ``study_id``, in order of first appearance.

    Raises
    ------
    InputError
        Unreadable file, unknown column, a number that is not one, rows of one study or result that
        disagree, or a study that fails validation (:func:`~secretome.evidence._schema.parse_study`,
        with the sheet row of the failing result or arm).
    """
    file = str(path)
    path = Path(path)
    is_xlsx = sheet_format == "xlsx" or (sheet_format is None and path.suffix.lower() in (".xlsx", ".xlsm"))
    header, body = _xlsx_rows(path, file) if is_xlsx else read_csv_table(path)
    if not header:
        raise InputError("the sheet has no header row; `secretome evidence template` writes it", file=file, row=1)
    unknown = [c for c in header if c not in SHEET_COLUMNS]
    if unknown:
        raise InputError(
            "unknown column; `secretome evidence template` writes the columns", file=file, row=1, value=unknown
        )
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, cells in body:  # row 1 is the header
        if len(cells) > len(header):
            raise InputError("more cells than columns", file=file, row=number, value=cells[len(header) :])
        raw = dict(zip(header, cells, strict=False))

        def fail(reason: str, column: str, value: object, number: int = number) -> InputError:
            return InputError(reason, file=file, row=number, field=column, value=value)

        row = {c: _typed(raw.get(c) or "", c, fail) for c in SHEET_COLUMNS}
        if all(v is None for v in row.values()):
            continue
        if row["study_id"] is None:
            raise InputError("every row gives its study_id", file=file, row=number, field="study_id")
        groups.setdefault(row["study_id"], []).append((number, row))
    if not groups:
        raise InputError("the sheet has no filled row", file=file)
    studies = []
    for study_id, rows in groups.items():
        group = _Rows(file, study_id, rows)
        document, origin = _document(group)
        try:
            study = parse_study(document)
        except InputError as exc:
            prefix = max((p for p in origin if exc.field and exc.field.startswith(p)), key=len, default="")
            value = {} if exc.value is None else {"value": exc.value}
            row = origin[prefix]
            raise InputError(exc.reason, file=file, row=row, record=study_id, field=exc.field, **value) from exc
        studies.append(SheetStudy(study, document, tuple(n for n, _ in rows)))
    return studies
