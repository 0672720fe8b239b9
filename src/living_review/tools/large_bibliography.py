"""A copy of the site at the scale of the largest living reviews, for ``nox -s bench``.

:func:`add_large_bibliography` appends about 2,500 *synthetic* entries to a throw-away copy's
``references.bib`` and adds one page citing about 1,500 of them, so the build meets a
bibliography of a real-world size: each entry has the fields a real one has (authors, title,
journal, year, volume, issue, pages, DOI, PubMed ID, some a PMC ID), drawn from a fixed seed so
every run builds the same copy. None of them is a real work: keys start with ``synthetic``,
DOIs use the test prefix ``10.5555``, and the PubMed and PMC numbers lie far beyond any issued.
Never add them to the project's own ``references.bib``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

#: The copy's extra page (docs/<name>.md), put in a hidden toctree after every other page.
PAGE = "large-bibliography"
KEY_PREFIX = "synthetic"

SURNAMES = (
    "Smith", "Wang", "Garcia", "Müller", "Kim", "Rossi", "Nguyen", "Kowalski", "Okafor",
    "Tanaka", "Silva", "Johansson", "Dubois", "Patel", "Li", "Zhang", "Chen", "Liu", "Yamamoto",
    "Andersen", "O'Brien", "van der Berg", "de Jong", "Schmidt", "Novak", "Haddad", "Costa",
    "Ivanova", "Brown", "Wilson", "Hernández", "Park", "Lee", "Fischer", "Moreau", "Bianchi",
    "Nakamura", "Singh", "Ahmed", "Kaur", "Santos", "Pereira", "Jensen", "Nielsen", "Virtanen",
)  # fmt: skip
GIVEN_NAMES = (
    "Anna", "Ben", "Chiara", "David", "Elif", "Fang", "Giulia", "Hiroshi", "Ines", "Jun",
    "Karin", "Luis", "Mei", "Nadia", "Oskar", "Priya", "Qiang", "Rosa", "Sven", "Tomás",
    "Uma", "Viktor", "Wei", "Xin", "Yusuf", "Zofia",
)  # fmt: skip
INTERVENTIONS = (
    "Acupuncture", "Electroacupuncture", "Manual acupuncture", "Dry needling",
    "Auricular acupuncture", "Laser acupuncture", "Acupressure", "Warm needle acupuncture",
    "Exercise therapy", "Spinal manipulation", "Epidural steroid injection", "Pregabalin",
)  # fmt: skip
COMPARATORS = (
    "sham acupuncture", "usual care", "non-steroidal anti-inflammatory drugs", "physiotherapy",
    "waiting list", "minimal acupuncture", "placebo", "standard medication",
)  # fmt: skip
CONDITIONS = (
    "sciatica", "lumbar disc herniation", "chronic low back pain", "radicular leg pain",
    "lumbar spinal stenosis", "acute low back pain", "piriformis syndrome",
)  # fmt: skip
DESIGNS = (
    "a randomised controlled trial", "a systematic review and meta-analysis",
    "a multicentre randomised trial", "a pilot randomised trial", "a prospective cohort study",
    "a network meta-analysis", "a cost-effectiveness analysis",
)  # fmt: skip
JOURNALS = (
    "BMJ", "JAMA Internal Medicine", "Pain", "Spine", "European Spine Journal",
    "Acupuncture in Medicine", "BMC Complementary Medicine and Therapies", "The Spine Journal",
    "Journal of Pain Research", "Complementary Therapies in Medicine", "PLOS ONE",
    "Evidence-Based Complementary and Alternative Medicine", "Medicine", "Trials",
)  # fmt: skip


def synthetic_key(number: int) -> str:
    return f"{KEY_PREFIX}{number:04d}"


def synthetic_entry(number: int, rng: random.Random) -> str:
    """One ``@article`` with realistic fields (BibTeX, the project's field conventions)."""
    authors = " and ".join(
        f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN_NAMES)} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 6, 6, 8, 10, 12)))
    )
    title = (
        f"{rng.choice(INTERVENTIONS)} versus {rng.choice(COMPARATORS)} for "
        f"{rng.choice(CONDITIONS)}: {rng.choice(DESIGNS)}"
    )
    first_page = rng.randrange(1, 2400)
    fields = {
        "author": authors,
        "title": title,
        "journal": rng.choice(JOURNALS),
        "year": str(rng.randrange(1985, 2027)),
        "volume": str(rng.randrange(1, 60)),
        "number": str(rng.randrange(1, 13)),
        "pages": f"{first_page}--{first_page + rng.randrange(4, 16)}",
        "doi": f"10.5555/{KEY_PREFIX}.{number:04d}",
        "pubmed": str(90_000_000 + number),
    }
    if rng.random() < 0.3:
        fields["pmcid"] = f"PMC{90_000_000 + number}"
    body = "".join(f"  {name:<7} = {{{value}}},\n" for name, value in fields.items())
    return f"@article{{{synthetic_key(number)},\n{body}}}\n"


def page_text(front_matter: str, cited: list[str], rng: random.Random) -> str:
    """A page citing every key in *cited* (in order), one to three per sentence."""
    lines = [front_matter, f"({PAGE})=\n", "# A large bibliography (benchmark only)\n"]
    lines.append("This page exists only in the benchmark's throw-away copy.\n")
    lines.append("This site is not medical advice.\n")
    position, sentence = 0, 0
    while position < len(cited):
        if sentence % 40 == 0:
            lines.append(f"\n## Group {sentence // 40 + 1}\n")
        count = rng.choice((1, 1, 2, 3))
        keys = ",".join(cited[position : position + count])
        position += count
        sentence += 1
        lines.append(f"Synthetic finding {sentence} is reported here {{cite:p}}`{keys}`.")
    return "\n".join(lines) + "\n"


def front_matter_of(page: Path) -> str:
    """The front matter (with its ``---`` lines) of *page*, to give the new page valid dates."""
    match = re.match(r"---\n.*?\n---\n", page.read_text("utf-8"), flags=re.DOTALL)
    if match is None:
        raise ValueError(f"{page}: no front matter to copy")
    return match.group(0)


def add_large_bibliography(
    project: Path, template_page: str, entries: int = 2500, cited: int = 1500, seed: int = 2026
) -> tuple[int, int]:
    """Append *entries* synthetic entries and a page citing *cited* of them to *project*.

    *template_page* is the docname whose front matter the new page copies. Returns the number
    of entries in ``references.bib`` and of citations on the new page.
    """
    rng = random.Random(seed)
    bib = project / "references.bib"
    generated = "".join(f"\n{synthetic_entry(n, rng)}" for n in range(1, entries + 1))
    text = bib.read_text("utf-8")
    bib.write_text(text + "\n% -- Synthetic entries (benchmark only) --\n" + generated, "utf-8")
    keys = [synthetic_key(n) for n in rng.sample(range(1, entries + 1), cited)]
    docs = project / "docs"
    front_matter = front_matter_of(docs / f"{template_page}.md")
    (docs / f"{PAGE}.md").write_text(page_text(front_matter, keys, rng), "utf-8")
    index = docs / "index.md"
    toctree = f"\n```{{toctree}}\n:hidden:\n\n{PAGE}\n```\n"
    index.write_text(index.read_text("utf-8") + toctree, "utf-8")
    total = len(re.findall(r"^@\w+\{", bib.read_text("utf-8"), flags=re.MULTILINE))
    return total, len(keys)
