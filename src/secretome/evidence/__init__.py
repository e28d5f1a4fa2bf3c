"""Evidence base: schema, store, importers, de-duplication and the curated corpus of the review.

The curated corpus is one YAML file per study (``docs/corpus-format.md``), validated by
:func:`parse_study` (including the honesty check: every number is in its verbatim quote) and
compiled into an SQL store (:func:`open_store`, :func:`create_store`). Literature exports are
imported (:func:`import_files`), de-duplicated (:func:`dedupe_records`) and screened
(:func:`screen_record`, :func:`import_decisions`); :func:`prisma_counts` counts the PRISMA 2020
flow diagram from them.
"""

from secretome.evidence._bibtex import read_bibtex
from secretome.evidence._catalogue import StudyList, StudySummary, get_studies, get_study, list_studies
from secretome.evidence._corpus import (
    CORPUS_DIR,
    Corpus,
    corpus_files,
    load_corpus,
    read_study_document,
    read_study_file,
)
from secretome.evidence._dedupe import TITLE_THRESHOLD, DedupeResult, MergeReport, dedupe_records, undo_merge
from secretome.evidence._export import EXPORT_FORMATS, ExportResult, export_studies
from secretome.evidence._imports import IMPORT_FORMATS, FileImport, ImportResult, detect_format, import_files
from secretome.evidence._map import UNCLASSIFIED, EvidenceMap, MapCell, evidence_map, map_studies
from secretome.evidence._nbib import read_nbib
from secretome.evidence._pubmed_xml import read_pubmed_xml
from secretome.evidence._records import BibRecord, make_record, normalise_doi
from secretome.evidence._ris import read_ris
from secretome.evidence._schema import (
    SCHEMA_FILE,
    SCHEMA_VERSION,
    Arm,
    ArmData,
    Classification,
    Dose,
    Effect,
    Intervention,
    Population,
    Provenance,
    Reference,
    RiskOfBias,
    Study,
    StudyResult,
    parse_study,
    study_json_schema,
    write_study_json_schema,
)
from secretome.evidence._screening import (
    DECISIONS,
    SCREENING_COLUMNS,
    SCREENING_STAGES,
    PrismaCounts,
    ScreeningEntry,
    ScreeningResult,
    import_decisions,
    prisma_counts,
    screen_record,
)
from secretome.evidence._sheet import SHEET_COLUMNS, SheetStudy, TemplateResult, read_sheet, write_template
from secretome.evidence._store import (
    Store,
    StoreSummary,
    compile_corpus,
    create_store,
    describe_store,
    open_store,
    schema_head,
)

__all__ = [
    "CORPUS_DIR",
    "DECISIONS",
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "SCREENING_COLUMNS",
    "SCREENING_STAGES",
    "SHEET_COLUMNS",
    "TITLE_THRESHOLD",
    "UNCLASSIFIED",
    "Arm",
    "ArmData",
    "BibRecord",
    "Classification",
    "Corpus",
    "DedupeResult",
    "Dose",
    "Effect",
    "EvidenceMap",
    "ExportResult",
    "FileImport",
    "ImportResult",
    "Intervention",
    "MapCell",
    "MergeReport",
    "Population",
    "PrismaCounts",
    "Provenance",
    "Reference",
    "RiskOfBias",
    "ScreeningEntry",
    "ScreeningResult",
    "SheetStudy",
    "Store",
    "StoreSummary",
    "Study",
    "StudyList",
    "StudyResult",
    "StudySummary",
    "TemplateResult",
    "compile_corpus",
    "corpus_files",
    "create_store",
    "dedupe_records",
    "describe_store",
    "detect_format",
    "evidence_map",
    "export_studies",
    "get_studies",
    "get_study",
    "import_decisions",
    "import_files",
    "list_studies",
    "load_corpus",
    "make_record",
    "map_studies",
    "normalise_doi",
    "open_store",
    "parse_study",
    "prisma_counts",
    "read_bibtex",
    "read_nbib",
    "read_pubmed_xml",
    "read_ris",
    "read_sheet",
    "read_study_document",
    "read_study_file",
    "schema_head",
    "screen_record",
    "study_json_schema",
    "undo_merge",
    "write_study_json_schema",
    "write_template",
]
