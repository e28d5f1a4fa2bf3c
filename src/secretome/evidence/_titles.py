"""Title text as de-duplication compares it: ASCII words, then one spelling per term of the field.

Two records of one paper differ in how they write the same words: Unicode or ASCII (``TGF-β1`` /
``TGF-beta1``), hyphens (``SOX-9`` / ``SOX9``), HTML tags, and above all abbreviations: one record
spells out "mesenchymal stem cells", another keeps the authors' "MSCs". ASySD [1]_ compares titles
after removing case and punctuation; :func:`canonical_title` goes one step further for this
field's terms, with the small table :data:`ABBREVIATIONS`.

An abbreviation is *expanded* (``OA`` -> ``osteoarthritis``), never a long form contracted: two
different products then stay whole words apart ("conditioned medium" against "extracellular
vesicle" is far beyond the 5 % by which duplicate titles may differ, where "CM" against "EV" would
be two letters, within it), and a typo inside a long form still costs one character, not a term.

References
----------
.. [1] Hair K, Bahor Z, Macleod M, Liao J, Sena ES (2023). The Automated Systematic Search
   Deduplicator (ASySD): a rapid, open-source, interoperable tool to remove duplicate citations
   in biomedical systematic reviews. BMC Biology 21:189. https://doi.org/10.1186/s12915-023-01686-z
.. [2] Horwitz EM, Le Blanc K, Dominici M, et al. (2005). Clarification of the nomenclature for MSC:
   the International Society for Cellular Therapy position statement. Cytotherapy 7(5):393-395.
   https://doi.org/10.1080/14653240500319234
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ABBREVIATIONS", "canonical_title", "normal_text", "subtitle_cuts"]

_CELLS = r"(?:stem |stromal |stem stromal )cells?"  # "stem/stromal cells" loses its slash to normal_text

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # Glued compounds first (BMSC, BMMSC, UCMSC), before their parts could match. A hyphenated one
    # (BM-MSC) reaches here as two words, "bm msc", and takes the "bone marrow" and "mesenchymal stem
    # cell" rules, which give the same words. BMSC also stands for "bone marrow stromal cell".
    "bone marrow mesenchymal stem cell": (r"bmm?scs?", r"bone marrow (?:derived )?stromal cells?"),
    "human umbilical cord mesenchymal stem cell": (r"hucmscs?",),
    "umbilical cord mesenchymal stem cell": (r"ucmscs?",),
    # ADSC, AD-MSC and adipose(-derived) stem or stromal cells are used for one cell type. "ASC" is left
    # out: it also abbreviates "adult stem cell".
    "adipose derived mesenchymal stem cell": (
        rf"adipose (?:tissue )?(?:derived )?(?:mesenchymal )?{_CELLS}",
        r"adipose (?:tissue )?(?:derived )?mscs?",
        r"ad ?mscs?",
        r"adscs?",
    ),
    # MSC stands for both "mesenchymal stem cell" and "mesenchymal stromal cell" (the ISCT named the
    # cells stromal and kept the acronym: Horwitz et al. 2005, under References), so both are one term.
    "mesenchymal stem cell": (rf"mesenchymal {_CELLS}", r"mscs?"),
    "human mesenchymal stem cell": (r"hmscs?",),
    "small extracellular vesicle": (r"small extracellular vesicles?", r"sevs?"),
    "extracellular vesicle": (r"extracellular vesicles?", r"evs?"),
    # After a number "cm" is centimetres (a 5 cm defect), not conditioned medium.
    "conditioned medium": (r"conditioned media", r"conditioned mediums?", r"(?<![0-9] )cm"),
    "bone marrow": (r"bone marrow(?: derived)?", r"bm(?: derived)?"),
    "umbilical cord": (r"umbilical cord(?: derived)?", r"uc(?: derived)?"),
    "human umbilical cord": (r"huc(?: derived)?",),
    "knee osteoarthritis": (r"koa",),
    "osteoarthritis": (r"oa",),
    "platelet rich plasma": (r"prp",),
    "transforming growth factor": (r"tgf",),
    "interleukin": (r"interleukins", r"il"),
}
"""One spelling (the key) for each term of the field, and the regular expressions of its other spellings.

The expressions match :func:`normal_text` output (lower-case words, single spaces) after letters and
digits are split apart. Left out on purpose: abbreviations with a second meaning in this field's
titles (HA is hyaluronic acid and hydroxyapatite, ASC adipose and adult stem cells).
"""

# One pass over the title: at each word the first matching spelling wins, so compounds (listed
# first) are not split by their parts, and an expansion is never matched again.
_TERM_OF_GROUP = {f"t{k}": term for k, term in enumerate(ABBREVIATIONS)}
_SPELLINGS = re.compile(
    r"\b(?:" + "|".join(f"(?P<{g}>{'|'.join(ABBREVIATIONS[t])})" for g, t in _TERM_OF_GROUP.items()) + r")\b"
)
# Letters and digits apart: SOX9 / SOX-9, IL6 / IL-6 and TGF-beta1 / TGF-β1 are written both ways, and
# a split-off digit counts as a number in the title (so TGF-β1 and TGF-β3 are told apart).
_DIGITS = re.compile(r"([0-9]+)")
# Where a subtitle or second sentence starts: a colon, a full stop (not a decimal point), a question,
# a bracket or a spaced dash.
_SUBTITLE = re.compile(r"[:;?!(\[]|\.(?![0-9])|\s[-\u2013\u2014]\s")
_GREEK = re.compile(r"GREEK (?:SMALL |CAPITAL )?LETTER (?:FINAL )?([A-Z]+)")


def _ascii_char(char: str) -> str:
    greek = _GREEK.fullmatch(unicodedata.name(char, ""))
    if greek:
        # Spelled out as a word of its own: TGFβ1, TGF-β1 and TGF-β 1 all become "tgf beta 1".
        return f" {greek.group(1).lower()} "
    # Unicode dashes and quotes are punctuation like their ASCII forms; dropped whole they would glue words.
    return " " if unicodedata.category(char)[0] in "PSZ" else char


def normal_text(text: str | None) -> str:
    """Lower-case ASCII words: accents dropped, Greek letters spelled out, tags and punctuation gone.

    Used for titles, author surnames and journal names.

    >>> normal_text("TGF-β1 <i>in vitro</i>: miR\u2011140\u20115p, Müller")
    'tgf beta 1 in vitro mir 140 5p muller'
    """
    # NFKD first: it takes accents off letters (Greek ones too, so ά is alpha) and maps the micro
    # sign to mu and ligatures to their letters, before anything outside ASCII is dropped.
    text = unicodedata.normalize("NFKD", text or "")
    if not text.isascii():
        text = "".join(c if c.isascii() else _ascii_char(c) for c in text)
    text = text.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags some databases keep (<i>in vitro</i>)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def canonical_title(title: str | None) -> str:
    """A title as de-duplication compares it: :func:`normal_text`, letters and digits split, terms expanded.

    >>> canonical_title("BM-MSC-derived EVs in OA")
    'bone marrow mesenchymal stem cell derived extracellular vesicle in osteoarthritis'
    >>> canonical_title("Bone marrow mesenchymal stromal cell-derived extracellular vesicles in osteoarthritis")
    'bone marrow mesenchymal stem cell derived extracellular vesicle in osteoarthritis'
    >>> canonical_title("SOX9 and IL-1β in a 5cm defect")
    'sox 9 and interleukin 1 beta in a 5 cm defect'
    """
    text = " ".join(_DIGITS.sub(r" \1 ", normal_text(title)).split())
    return _SPELLINGS.sub(lambda m: _TERM_OF_GROUP[m.lastgroup or ""], text)


def subtitle_cuts(title: str | None) -> set[str]:
    """The canonical titles of *title* cut where a subtitle or a new sentence starts.

    A record whose whole title is one of these is a complete title in its own right ("Part I" of
    "Part I: methods", a paper and its "...: 24-month results"), not a database's truncation.

    >>> for cut in sorted(subtitle_cuts("MSC-CM in OA: a trial. Part 2")):
    ...     print(cut)
    mesenchymal stem cell conditioned medium in osteoarthritis
    mesenchymal stem cell conditioned medium in osteoarthritis a trial
    """
    return {canonical_title(title[: m.start()]) for m in _SUBTITLE.finditer(title or "")}
