"""The controlled vocabulary that evidence, meta, model and report all speak.

One list per category; each term has a stable id, a label and the synonyms met in papers and
literature exports. ``resolve`` maps any synonym (case, spacing, hyphens and Greek letters ignored)
to the id, so a study file may say ``"UC-MSC"`` and the store holds ``"umbilical_cord"``.
Nobody keeps a second list: extend this module instead.

>>> MSC_SOURCES.resolve("Wharton's jelly")
'umbilical_cord'
>>> OUTCOMES["odriscoll_score"].higher_is_better
True
>>> PRODUCTS["exosomes"].product_class
'secretome'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from secretome.errors import InputError

__all__ = [
    "ARM_ROLES",
    "DESIGNS",
    "DOSE_UNITS",
    "EVIDENCE_LEVELS",
    "MSC_SOURCES",
    "OA_MODELS",
    "OUTCOMES",
    "OUTCOME_DOMAINS",
    "PRODUCTS",
    "RISK_OF_BIAS_TOOLS",
    "ROUTES",
    "SCALES",
    "SPECIES",
    "Design",
    "Direction",
    "DoseUnit",
    "Outcome",
    "Product",
    "RiskOfBiasTool",
    "Scale",
    "Term",
    "Vocabulary",
    "normalise_label",
]

Direction = Literal["higher", "lower"]


def normalise_label(text: str) -> str:
    """Fold a label for synonym matching: ASCII letters and digits only, lower case.

    Greek letters are spelt out first, so ``"TGF-β1"`` and ``"TGF-beta 1"`` match.

    >>> normalise_label("TGF-β1")
    'tgfbeta1'
    >>> normalise_label("Umbilical  cord (UC)")
    'umbilicalcorduc'
    """
    for greek, latin in (("α", "alpha"), ("β", "beta"), ("γ", "gamma"), ("κ", "kappa"), ("µ", "u"), ("μ", "u")):
        text = text.replace(greek, latin)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True, slots=True)
class Term:
    """A vocabulary entry: stable ``id``, human ``label`` and the ``synonyms`` met in sources."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Product(Term):
    """An intervention product; ``product_class`` keeps cells and cell-free secretome apart in pooling."""

    product_class: Literal["cells", "secretome"] = "secretome"


@dataclass(frozen=True, slots=True)
class Design(Term):
    """A study design; ``evidence_level`` groups designs that may be pooled together."""

    evidence_level: Literal["in_vitro", "animal", "clinical", "review"] = "clinical"


@dataclass(frozen=True, slots=True)
class DoseUnit(Term):
    """A dose unit; ``quantity`` says what is measured and ``per_kg`` whether it scales with body weight."""

    quantity: Literal["volume", "mass", "cells", "particles"] = "mass"
    per_kg: bool = False


@dataclass(frozen=True, slots=True)
class Scale(Term):
    """A scoring instrument with its range, direction of benefit and the paper that defines it."""

    minimum: float = 0.0
    maximum: float = 0.0
    higher_is_better: bool = False
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Outcome(Term):
    """A measured outcome: its ``domain``, ``unit``, optional ``scale`` and direction of benefit.

    ``named`` is False for the ids that keep findings whose measure the source does not name ("histological
    score", "OA progression"): their ``higher_is_better`` is nominal, so numbers filed under them cannot be
    given a direction of benefit. ``construct`` names the outcome this one measures on another range of the
    same instrument (VAS pain on 0-10 and on 0-100 mm): standardised effects of the two pool together.
    """

    domain: str = ""
    unit: str = ""
    scale: str | None = None
    higher_is_better: bool = True
    named: bool = True
    construct: str | None = None


@dataclass(frozen=True, slots=True)
class RiskOfBiasTool:
    """A risk-of-bias tool: its domains (items) in order, its judgement scale and the designs it serves.

    ``judgements`` is the tool's scale, definite judgements from least to most severe first;
    ``not_reported`` holds the judgements a domain gets when the source reports nothing on it, the only
    ones that may stand without a quote. ``has_overall``: whether the tool defines an overall judgement
    (SYRCLE does not).
    """

    id: str
    label: str
    reference: str
    designs: tuple[str, ...]
    domains: tuple[tuple[str, str], ...]
    judgements: tuple[str, ...]
    not_reported: tuple[str, ...]
    has_overall: bool


_T = TypeVar("_T", bound=Term)


class Vocabulary(Mapping[str, _T], Generic[_T]):
    """An immutable category of terms, indexed by id, that resolves synonyms.

    >>> SPECIES.resolve("Rattus norvegicus")
    'rat'
    >>> SPECIES.resolve("hamster")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'species': not a known species; close: none (got 'hamster')
    """

    def __init__(self, name: str, terms: tuple[_T, ...]) -> None:
        self.name = name
        self._terms = {t.id: t for t in terms}
        if len(self._terms) != len(terms):
            raise ValueError(f"duplicate id in vocabulary {name!r}")
        self._index: dict[str, str] = {}
        for term in terms:
            for label in (term.id, term.label, *term.synonyms):
                key = normalise_label(label)
                owner = self._index.setdefault(key, term.id)
                if owner != term.id:
                    raise ValueError(f"{name}: {label!r} is a synonym of both {owner!r} and {term.id!r}")

    def __getitem__(self, key: str) -> _T:
        return self._terms[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self)} terms)"

    def resolve(self, text: str, *, field: str | None = None) -> str:
        """Return the id for *text* (an id, label or synonym); raise :class:`InputError` naming close terms."""
        key = normalise_label(str(text))
        # Papers pluralise abbreviations freely (BMSC/BMSCs, hUC-MSC/hUC-MSCs): try the singular too.
        term_id = self._index.get(key) or (self._index.get(key[:-1]) if key.endswith("s") else None)
        if term_id is not None:
            return term_id
        close = difflib.get_close_matches(str(text).lower(), list(self._terms), n=3, cutoff=0.6)
        raise InputError(
            f"not a known {self.name}; close: {', '.join(close) or 'none'}",
            field=field or self.name,
            value=text,
        )


# The levels at which designs are pooled (Design.evidence_level), labelled as a sentence reads them.
EVIDENCE_LEVELS: Vocabulary[Term] = Vocabulary(
    "evidence level",
    (
        Term("in_vitro", "in vitro"),
        Term("animal", "animal"),
        Term("clinical", "clinical"),
        Term("review", "review"),
    ),
)

DESIGNS: Vocabulary[Design] = Vocabulary(
    "design",
    (
        Design("in_vitro", "In vitro", ("in-vitro", "cell culture", "explant"), "in_vitro"),
        Design("animal", "Animal study", ("in vivo", "preclinical", "animal model"), "animal"),
        Design("clinical_rct", "Randomised controlled trial", ("RCT", "randomized controlled trial"), "clinical"),
        Design(
            "clinical_nonrandomised",
            "Non-randomised clinical study",
            ("non-randomized", "cohort study", "controlled clinical trial", "phase I"),
            "clinical",
        ),
        Design("case_series", "Case series", ("case report", "single-arm"), "clinical"),
        Design(
            "systematic_review", "Systematic review", ("meta-analysis", "systematic review and meta-analysis"), "review"
        ),
        Design("narrative_review", "Narrative review", ("review", "literature review"), "review"),
    ),
)

MSC_SOURCES: Vocabulary[Term] = Vocabulary(
    "MSC source",
    (
        Term(
            "umbilical_cord",
            "Umbilical cord",
            (
                "UC",
                "UC-MSC",
                "UCMSC",
                "hUC-MSC",
                "UC-MSCs",
                "Wharton's jelly",
                "WJ-MSC",
                "umbilical cord MSC",
                "umbilical cord mesenchymal stem cells",
            ),
        ),
        Term("umbilical_cord_blood", "Umbilical cord blood", ("UCB", "UCB-MSC", "hUCB-MSC", "cord blood")),
        Term(
            "bone_marrow",
            "Bone marrow",
            ("BM", "BMSC", "BMSCs", "BM-MSC", "BM-MSCs", "bone marrow MSC", "bone marrow-derived"),
        ),
        Term(
            "adipose",
            "Adipose tissue",
            (
                "AD",
                "ADSC",
                "ADSCs",
                "ASC",
                "ASCs",
                "AD-MSC",
                "AD-MSCs",
                "ADMSC",
                "adipose-derived",
                "adipose derived stem cells",
                "fat",
            ),
        ),
        Term("infrapatellar_fat_pad", "Infrapatellar fat pad", ("IPFP", "IPFP-MSC", "Hoffa's fat pad")),
        Term(
            "synovium",
            "Synovial membrane",
            ("SMSC", "SMSCs", "SM-MSC", "synovial MSC", "synovial membrane MSC", "synovial mesenchymal stem cells"),
        ),
        Term("synovial_fluid", "Synovial fluid", ("SF-MSC",)),
        Term(
            "amnion",
            "Amniotic membrane or fluid",
            ("AM-MSC", "AF-MSC", "amniotic", "amniotic membrane", "amniotic fluid"),
        ),
        Term("placenta", "Placenta", ("PL-MSC", "placental", "chorion")),
        Term("dental_pulp", "Dental pulp", ("DPSC", "DPSCs", "SHED")),
        Term("periodontal_ligament", "Periodontal ligament", ("PDL", "PDLSC", "PDLSCs")),
        Term("menstrual_blood", "Menstrual blood", ("MenSC",)),
        Term("embryonic", "Embryonic stem cell-derived", ("ESC-MSC", "ESC-derived MSC", "hESC-MSC")),
        Term("ipsc", "Induced pluripotent stem cell-derived", ("iPSC-MSC", "iMSC", "iPS-MSC")),
        Term("unspecified", "Not specified", ("MSC", "MSCs", "mesenchymal stem cells", "not stated")),
    ),
)

PRODUCTS: Vocabulary[Product] = Vocabulary(
    "product",
    (
        Product("cells", "MSC cells", ("MSC injection", "cell therapy", "stem cells", "culture-expanded MSC"), "cells"),
        Product("bone_marrow_concentrate", "Bone marrow aspirate concentrate", ("BMAC", "BMC"), "cells"),
        Product("stromal_vascular_fraction", "Stromal vascular fraction", ("SVF",), "cells"),
        Product(
            "conditioned_medium",
            "Conditioned medium",
            ("CM", "MSC-CM", "secretome", "conditioned media", "MSC secretome"),
            "secretome",
        ),
        Product(
            "extracellular_vesicles",
            "Extracellular vesicles",
            ("EV", "EVs", "MSC-EV", "MSC-EVs", "microvesicles"),
            "secretome",
        ),
        Product("exosomes", "Exosomes", ("exosome", "Exo", "small EV", "sEV", "sEVs", "MSC-exosomes"), "secretome"),
        Product(
            "defined_factors",
            "Defined secreted factors",
            ("recombinant factor", "growth factor cocktail", "protein"),
            "secretome",
        ),
        Product("mirna", "miRNA", ("microRNA", "miR", "EV-miRNA"), "secretome"),
    ),
)

SPECIES: Vocabulary[Term] = Vocabulary(
    "species",
    (
        Term("mouse", "Mouse", ("mice", "Mus musculus", "murine")),
        Term("rat", "Rat", ("rats", "Rattus norvegicus", "Rattus novergicus")),
        Term("rabbit", "Rabbit", ("rabbits", "Oryctolagus cuniculus", "New Zealand white rabbit")),
        Term("guinea_pig", "Guinea pig", ("guinea pigs", "Cavia porcellus")),
        Term("dog", "Dog", ("dogs", "canine")),
        Term("sheep", "Sheep", ("ovine",)),
        Term("goat", "Goat", ("goats", "caprine")),
        Term("pig", "Pig", ("pigs", "porcine", "minipig", "swine")),
        Term("horse", "Horse", ("horses", "equine")),
        Term("human", "Human", ("humans", "patients", "Homo sapiens")),
    ),
)

OA_MODELS: Vocabulary[Term] = Vocabulary(
    "OA model",
    (
        Term(
            "mia",
            "Monosodium iodoacetate injection",
            ("MIA", "monoiodoacetate", "mono-iodoacetate", "sodium iodoacetate"),
        ),
        Term("aclt", "Anterior cruciate ligament transection", ("ACLT", "ACL transection")),
        Term("dmm", "Destabilisation of the medial meniscus", ("DMM", "destabilization of the medial meniscus")),
        Term("mmt", "Medial meniscal transection", ("MMT", "MMx", "medial meniscectomy", "meniscectomy")),
        Term("aclt_mmx", "ACLT with medial meniscectomy", ("ACLT+MMx", "ACLT + MMx")),
        Term("collagenase", "Collagenase injection", ("CIOA", "collagenase-induced OA", "collagenase-induced")),
        Term("papain", "Papain injection", ("papain-induced",)),
        Term(
            "focal_defect",
            "Focal cartilage or osteochondral defect",
            ("osteochondral defect", "chondral defect", "cartilage defect", "focal cartilage defect"),
        ),
        Term(
            "spontaneous",
            "Spontaneous or age-related OA",
            ("ageing", "aging", "Dunkin Hartley", "STR/ort", "naturally occurring OA"),
        ),
        Term("tmj_oa", "Temporomandibular joint OA model", ("TMJ OA", "TMJ-OA")),
        Term("clinical_knee_oa", "Knee OA in patients", ("knee osteoarthritis", "knee OA", "gonarthrosis")),
    ),
)

ARM_ROLES: Vocabulary[Term] = Vocabulary(
    "arm role",
    (
        Term("treatment", "Treatment", ("intervention", "experimental")),
        Term(
            "oa_control",
            "OA control or vehicle",
            ("control", "vehicle", "saline", "PBS", "untreated", "placebo", "OA group", "model group"),
        ),
        Term("sham", "Sham-operated", ("sham operation", "sham-operated")),
        Term("normal", "Normal (healthy, naive)", ("healthy", "naive", "intact", "non-OA")),
        Term("active_control", "Active comparator", ("hyaluronic acid", "HA", "comparator", "corticosteroid")),
    ),
)

ROUTES: Vocabulary[Term] = Vocabulary(
    "route",
    (
        Term("intra_articular", "Intra-articular injection", ("IA", "intra-articular", "intraarticular")),
        Term("intravenous", "Intravenous", ("IV", "i.v.")),
        Term("implanted", "Implanted with a scaffold or hydrogel", ("scaffold", "hydrogel", "implantation")),
        Term("in_culture", "Added to culture medium", ("in vitro treatment", "co-culture")),
        Term("intraperitoneal", "Intraperitoneal injection", ("IP injection", "i.p.")),
    ),
)

DOSE_UNITS: Vocabulary[DoseUnit] = Vocabulary(
    "dose unit",
    (
        DoseUnit("uL", "µL", ("microlitre", "microliter", "µl", "ul"), "volume"),
        DoseUnit("mL", "mL", ("ml", "millilitre", "milliliter"), "volume"),
        DoseUnit("mL/kg", "mL per kg body weight", ("ml/kg", "mL/kg BW", "ml/kgBW"), "volume", True),
        DoseUnit("ng", "ng", ("nanogram",), "mass"),
        DoseUnit("ug", "µg", ("µg", "microgram", "ug protein", "µg protein"), "mass"),
        DoseUnit("mg", "mg", ("milligram",), "mass"),
        DoseUnit("ug/kg", "µg per kg body weight", ("µg/kg",), "mass", True),
        DoseUnit("cells", "cells", ("cell", "cells per injection"), "cells"),
        DoseUnit("cells/kg", "cells per kg body weight", ("cells per kg",), "cells", True),
        DoseUnit("particles", "particles", ("particle", "EV particles", "vesicles"), "particles"),
        DoseUnit("particles/kg", "particles per kg body weight", (), "particles", True),
    ),
)

OUTCOME_DOMAINS: Vocabulary[Term] = Vocabulary(
    "outcome domain",
    (
        Term("structure", "Cartilage structure", ("macroscopic", "morphology", "gross appearance")),
        Term("histology", "Histology scores", ("histological score", "histopathology")),
        Term("ihc", "Immunohistochemistry", ("IHC", "immunostaining")),
        Term("gene_expression", "Gene expression", ("mRNA", "qPCR", "RT-PCR")),
        Term("apoptosis", "Apoptosis", ("TUNEL", "cell death")),
        Term("inflammation", "Inflammation", ("cytokines", "synovitis", "inflammatory")),
        Term("pain_function", "Pain and function", ("pain", "function", "PROM", "patient-reported")),
        Term("imaging", "Imaging", ("MRI", "radiography", "micro-CT", "X-ray")),
        Term("safety", "Safety", ("adverse events", "AE", "tolerability")),
    ),
)

# Ranges as defined by the instrument's original publication, cited in ``reference``.
SCALES: Vocabulary[Scale] = Vocabulary(
    "scale",
    (
        Scale(
            "oarsi_pritzker",
            "OARSI cartilage histopathology score (grade x stage)",
            ("OARSI score", "OARSI"),
            0,
            24,
            False,
            "Pritzker KPH et al. (2006) Osteoarthritis Cartilage 14(1):13-29. doi:10.1016/j.joca.2005.07.014",
        ),
        Scale(
            "oarsi_mouse",
            "OARSI mouse histology score (Glasson)",
            ("OARSI mouse", "Glasson score"),
            0,
            6,
            False,
            "Glasson SS et al. (2010) Osteoarthritis Cartilage 18 Suppl 3:S17-23. doi:10.1016/j.joca.2010.05.025",
        ),
        Scale(
            "mankin",
            "Mankin histological-histochemical grading system",
            ("Mankin score", "HHGS", "modified Mankin"),
            0,
            14,
            False,
            "Mankin HJ et al. (1971) J Bone Joint Surg Am 53(3):523-537. PMID:5580011",
        ),
        Scale(
            "odriscoll",
            "O'Driscoll histological score for cartilage repair",
            ("O'Driscoll score", "ODriscoll"),
            0,
            24,
            True,
            "O'Driscoll SW, Keeley FW, Salter RB (1986) J Bone Joint Surg Am 68(7):1017-1035. PMID:3745239",
        ),
        Scale(
            "wakitani",
            "Wakitani histological score",
            ("Wakitani score",),
            0,
            14,
            False,
            "Wakitani S et al. (1994) J Bone Joint Surg Am 76(4):579-592. doi:10.2106/00004623-199404000-00013",
        ),
        Scale(
            "icrs_macroscopic",
            "ICRS macroscopic cartilage repair score",
            ("ICRS score", "ICRS macroscopic"),
            0,
            12,
            True,
            "Brittberg M, Winalski CS (2003) J Bone Joint Surg Am 85-A Suppl 2:58-69. PMID:12721346",
        ),
        Scale(
            "womac",
            "WOMAC total (Likert 3.1)",
            ("WOMAC", "WOMAC total", "Western Ontario and McMaster"),
            0,
            96,
            False,
            "Bellamy N et al. (1988) J Rheumatol 15(12):1833-1840. PMID:3068365",
        ),
        Scale(
            "womac_pain",
            "WOMAC pain subscale (Likert 3.1)",
            ("WOMAC pain",),
            0,
            20,
            False,
            "Bellamy N et al. (1988) J Rheumatol 15(12):1833-1840. PMID:3068365",
        ),
        Scale(
            "womac_function",
            "WOMAC physical function subscale (Likert 3.1)",
            ("WOMAC function",),
            0,
            68,
            False,
            "Bellamy N et al. (1988) J Rheumatol 15(12):1833-1840. PMID:3068365",
        ),
        Scale(
            "vas_100",
            "Visual analogue scale for pain, 100 mm",
            ("VAS", "VAS pain", "VAS mm"),
            0,
            100,
            False,
            "Huskisson EC (1974) Lancet 2(7889):1127-1131. doi:10.1016/s0140-6736(74)90884-8",
        ),
        Scale(
            "vas_10",
            "Visual analogue scale for pain, 0-10",
            ("VAS 0-10", "VAS cm", "ten-point VAS"),
            0,
            10,
            False,
            "Huskisson EC (1974) Lancet 2(7889):1127-1131. doi:10.1016/s0140-6736(74)90884-8 (read in cm)",
        ),
        Scale(
            "koos",
            "KOOS subscale",
            ("KOOS",),
            0,
            100,
            True,
            "Roos EM et al. (1998) J Orthop Sports Phys Ther 28(2):88-96. doi:10.2519/jospt.1998.28.2.88",
        ),
        Scale(
            "lysholm",
            "Lysholm knee score",
            ("Lysholm",),
            0,
            100,
            True,
            "Tegner Y, Lysholm J (1985) Clin Orthop Relat Res (198):43-49. PMID:4028566",
        ),
        Scale(
            "kellgren_lawrence",
            "Kellgren-Lawrence radiographic grade",
            ("KL grade", "K-L grade"),
            0,
            4,
            False,
            "Kellgren JH, Lawrence JS (1957) Ann Rheum Dis 16(4):494-502. doi:10.1136/ard.16.4.494",
        ),
    ),
)


def _outcome(
    id: str,
    label: str,
    domain: str,
    unit: str,
    higher: bool,
    *synonyms: str,
    scale: str | None = None,
    named: bool = True,
    construct: str | None = None,
) -> Outcome:
    return Outcome(id, label, synonyms, domain=domain, unit=unit, scale=scale, higher_is_better=higher, named=named,
                   construct=construct)  # fmt: skip


OUTCOMES: Vocabulary[Outcome] = Vocabulary(
    "outcome",
    (
        _outcome("cartilage_thickness", "Cartilage thickness", "structure", "um", True, "thickness"),
        _outcome("defect_fill", "Defect fill", "structure", "%", True, "repair tissue fill"),
        _outcome(
            "icrs_macroscopic_score",
            "ICRS macroscopic score",
            "structure",
            "points",
            True,
            "ICRS macroscopic",
            "gross score",
            scale="icrs_macroscopic",
        ),
        # Abstracts often say only "attenuated OA progression" or name no scoring system; these ids keep
        # such findings without filing them under a named score they were not measured on. They hold
        # directions only: with no scale named, higher_is_better is nominal (named=False; rule D3 pools no numbers).
        _outcome("oa_progression", "OA progression (measure not named)", "structure", "varies", False, named=False),
        _outcome("macroscopic_score", "Macroscopic score (system not named)", "structure", "points", True, named=False),
        _outcome(
            "histology_score",
            "Histological repair/OA score (system not named)",
            "histology",
            "points",
            True,
            named=False,
        ),
        _outcome("osteophyte_score", "Osteophyte formation", "structure", "varies", False, "osteophyte"),
        _outcome(
            "icrs_histological_score",
            "ICRS histological score",
            "histology",
            "points",
            True,
            "ICRS histological",
            "ICRS II",
        ),
        _outcome(
            "chondrocyte_count",
            "Chondrocyte count",
            "histology",
            "cells/field",
            True,
            "chondrocyte number",
            "cell count",
            "number of chondrocytes",
        ),
        _outcome(
            "gag_content",
            "Glycosaminoglycan / Safranin O staining",
            "histology",
            "%",
            True,
            "GAG",
            "proteoglycan",
            "Safranin O",
            "toluidine blue",
        ),
        _outcome("oarsi_score", "OARSI score", "histology", "points", False, "OARSI", scale="oarsi_pritzker"),
        _outcome(
            "oarsi_mouse_score", "OARSI mouse score", "histology", "points", False, "Glasson", scale="oarsi_mouse"
        ),
        _outcome(
            "mankin_score", "Mankin score", "histology", "points", False, "Mankin", "modified Mankin", scale="mankin"
        ),
        _outcome("odriscoll_score", "O'Driscoll score", "histology", "points", True, "O'Driscoll", scale="odriscoll"),
        _outcome("wakitani_score", "Wakitani score", "histology", "points", False, "Wakitani", scale="wakitani"),
        _outcome("ihc_tgfb1", "TGF-beta1 immunostaining", "ihc", "% positive", True, "TGF-β1 IHC", "TGF-beta IHC"),
        _outcome("ihc_sox9", "SOX-9 immunostaining", "ihc", "% positive", True, "SOX9 IHC", "SOX-9 IHC"),
        _outcome("ihc_aggrecan", "Aggrecan immunostaining", "ihc", "% positive", True, "aggrecan IHC"),
        _outcome(
            "ihc_col2",
            "Type II collagen immunostaining",
            "ihc",
            "% positive",
            True,
            "collagen II IHC",
            "COL2 IHC",
            "type II collagen IHC",
        ),
        _outcome("ihc_mmp13", "MMP-13 immunostaining", "ihc", "% positive", False, "MMP13 IHC", "MMP-13 IHC"),
        _outcome(
            "col2a1_expression", "COL2A1 expression", "gene_expression", "fold change", True, "COL2A1", "Col2a1 mRNA"
        ),
        _outcome("acan_expression", "ACAN expression", "gene_expression", "fold change", True, "ACAN", "aggrecan mRNA"),
        _outcome("sox9_expression", "SOX9 expression", "gene_expression", "fold change", True, "SOX9 mRNA"),
        _outcome("mmp13_expression", "MMP13 expression", "gene_expression", "fold change", False, "MMP13 mRNA"),
        _outcome(
            "adamts5_expression",
            "ADAMTS5 expression",
            "gene_expression",
            "fold change",
            False,
            "ADAMTS5",
            "ADAMTS-5 mRNA",
        ),
        _outcome(
            "apoptosis_rate",
            "Chondrocyte apoptosis",
            "apoptosis",
            "% positive",
            False,
            "apoptosis",
            "TUNEL-positive cells",
            "apoptotic chondrocytes",
        ),
        _outcome("il1b_level", "IL-1beta", "inflammation", "pg/mL", False, "IL-1β", "IL-1b", "interleukin-1 beta"),
        _outcome(
            "tnfa_level", "TNF-alpha", "inflammation", "pg/mL", False, "TNF-α", "TNFa", "tumour necrosis factor alpha"
        ),
        _outcome("il6_level", "IL-6", "inflammation", "pg/mL", False, "interleukin-6"),
        _outcome("pge2_level", "PGE2", "inflammation", "pg/mL", False, "prostaglandin E2"),
        _outcome("il10_level", "IL-10", "inflammation", "pg/mL", True, "interleukin-10"),
        _outcome("synovitis_score", "Synovitis score", "inflammation", "points", False, "synovitis", "Krenn score"),
        _outcome(
            "m2_macrophages",
            "M2 share of synovial macrophages",
            "inflammation",
            "%",
            True,
            "M2 macrophages",
            "M2 polarisation",
            "CD206+ macrophages",
        ),
        _outcome("womac_total", "WOMAC total", "pain_function", "points", False, "WOMAC", scale="womac"),
        _outcome("womac_pain", "WOMAC pain", "pain_function", "points", False, scale="womac_pain"),
        _outcome("womac_function", "WOMAC function", "pain_function", "points", False, scale="womac_function"),
        _outcome("vas_pain", "VAS pain", "pain_function", "mm", False, "VAS", "visual analogue scale", scale="vas_100"),
        # Many trials print VAS on 0-10; a separate id keeps 0-100 mm values apart from them (their raw differences
        # differ tenfold), while standardised effects of both pool as one construct.
        _outcome(
            "vas_pain_10",
            "VAS pain (0-10)",
            "pain_function",
            "points",
            False,
            "VAS 0-10",
            scale="vas_10",
            construct="vas_pain",
        ),
        _outcome("nprs_pain", "Numeric pain rating scale (0-10)", "pain_function", "points", False, "NPRS", "NRS"),
        _outcome(
            "koos",
            "KOOS",
            "pain_function",
            "points",
            True,
            "Knee injury and Osteoarthritis Outcome Score",
            scale="koos",
        ),
        _outcome("ikdc_subjective", "IKDC subjective knee score", "pain_function", "points", True, "IKDC"),
        _outcome("kss", "Knee Society Score", "pain_function", "points", True, "KSS", "Knee Society"),
        _outcome("lequesne_index", "Lequesne index", "pain_function", "points", False, "Lequesne"),
        _outcome("lysholm_score", "Lysholm score", "pain_function", "points", True, "Lysholm", scale="lysholm"),
        _outcome(
            "pain_behaviour",
            "Pain behaviour in animals",
            "pain_function",
            "varies",
            True,
            "paw withdrawal threshold",
            "weight bearing",
            "mechanical allodynia",
        ),
        _outcome("joint_space_width", "Joint space width", "imaging", "mm", True, "JSW", "joint space narrowing"),
        _outcome("cartilage_volume", "Cartilage volume (MRI)", "imaging", "mm3", True, "MRI cartilage volume"),
        _outcome("mocart_score", "MOCART score", "imaging", "points", True, "MOCART"),
        _outcome(
            "radiographic_oa_score", "Radiographic OA score", "imaging", "points", False, "radiographic score", "X-ray"
        ),
        _outcome("adverse_events", "Adverse events", "safety", "events", False, "AE", "AEs", "adverse event"),
        _outcome("serious_adverse_events", "Serious adverse events", "safety", "events", False, "SAE", "SAEs"),
    ),
)


# The tools a reviewer uses per design: SYRCLE for animal studies (its 10 items), RoB 2 for randomised
# trials (5 domains) and ROBINS-I for non-randomised studies of interventions (7 domains).
RISK_OF_BIAS_TOOLS: dict[str, RiskOfBiasTool] = {
    tool.id: tool
    for tool in (
        RiskOfBiasTool(
            "SYRCLE",
            "SYRCLE's risk of bias tool for animal studies",
            "Hooijmans CR, Rovers MM, de Vries RBM, et al. BMC Med Res Methodol 2014;14:43. "
            "doi:10.1186/1471-2288-14-43",
            ("animal",),
            (
                ("sequence_generation", "Sequence generation"),
                ("baseline_characteristics", "Baseline characteristics"),
                ("allocation_concealment", "Allocation concealment"),
                ("random_housing", "Random housing"),
                ("blinding_caregivers", "Blinding of caregivers and investigators"),
                ("random_outcome_assessment", "Random outcome assessment"),
                ("blinding_assessors", "Blinding of outcome assessors"),
                ("incomplete_outcome_data", "Incomplete outcome data"),
                ("selective_reporting", "Selective outcome reporting"),
                ("other_bias", "Other sources of bias"),
            ),
            ("low", "unclear", "high"),
            ("unclear",),
            False,
        ),
        RiskOfBiasTool(
            "RoB2",
            "RoB 2: revised Cochrane risk-of-bias tool for randomised trials",
            "Sterne JAC, Savovic J, Page MJ, et al. BMJ 2019;366:l4898. doi:10.1136/bmj.l4898",
            ("clinical_rct",),
            (
                ("randomisation", "Randomisation process"),
                ("deviations", "Deviations from intended interventions"),
                ("missing_outcome_data", "Missing outcome data"),
                ("outcome_measurement", "Measurement of the outcome"),
                ("selective_reporting", "Selection of the reported result"),
            ),
            ("low", "some_concerns", "high"),
            ("some_concerns",),
            True,
        ),
        RiskOfBiasTool(
            "ROBINS-I",
            "ROBINS-I: risk of bias in non-randomised studies of interventions",
            "Sterne JA, Hernan MA, Reeves BC, et al. BMJ 2016;355:i4919. doi:10.1136/bmj.i4919",
            ("clinical_nonrandomised", "case_series"),
            (
                ("confounding", "Confounding"),
                ("selection", "Selection of participants"),
                ("classification", "Classification of interventions"),
                ("deviations", "Deviations from intended interventions"),
                ("missing_data", "Missing data"),
                ("outcome_measurement", "Measurement of outcomes"),
                ("selective_reporting", "Selection of the reported result"),
            ),
            ("low", "moderate", "serious", "critical", "no_information"),
            ("no_information",),
            True,
        ),
    )
}


def _check_consistency() -> None:
    """Fail at import if an outcome names an unknown domain or scale (a typo would split the report)."""
    for outcome in OUTCOMES.values():
        if outcome.domain not in OUTCOME_DOMAINS:
            raise ValueError(f"outcome {outcome.id!r}: unknown domain {outcome.domain!r}")
        if outcome.scale is not None and outcome.scale not in SCALES:
            raise ValueError(f"outcome {outcome.id!r}: unknown scale {outcome.scale!r}")
        if outcome.scale is not None and SCALES[outcome.scale].higher_is_better != outcome.higher_is_better:
            raise ValueError(f"outcome {outcome.id!r}: direction disagrees with scale {outcome.scale!r}")


_check_consistency()
