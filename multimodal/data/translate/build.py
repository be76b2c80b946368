"""Build the translation corpus: read every source, clean, split held-out sets by whole
source documents, and keep every test sentence out of training.

    python -m multimodal data translate      # -> cache/translate/{train,dev,test}.tsv

Rows are `source<TAB>English<TAB>lang:doc` (the pairs format `train` reads). The split is a
pure function of the documents (hash order), so a rebuild gives the same sets."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

from ..cache import cache_dir
from .clean import clean_pair, key
from .pairs import Pair

# Held-out pairs wanted per (language, domain); a document bigger than HUGE x this stays in
# training so that one giant gettext domain cannot swallow a whole held-out set.
TEST_PAIRS, DEV_PAIRS, HUGE = 500, 300, 2


def corpus_dir() -> Path:
    return cache_dir() / "translate"


def group_of(pair: Pair) -> str:
    return f"{pair.lang}:{pair.doc}"


def parse_group(group: str) -> tuple[str, str]:
    """`lang:doc` -> (lang, domain); the domain is named by the doc's prefix."""
    lang, doc = group.split(":", 1)
    prefix = doc.split(":", 1)[0]
    return lang, {"ddtp": "descriptions", "bible": "bible", "gettext": "ui"}[prefix]


def _rank(doc: str) -> str:
    return hashlib.sha1(doc.encode()).hexdigest()


def split_by_document(pairs: list[Pair]) -> dict[str, list[Pair]]:
    """Whole documents go to test, then dev, in hash order, per (language, domain)."""
    by_doc: dict[tuple, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_doc[(p.lang, p.domain, p.doc)].append(p)
    splits: dict[str, list[Pair]] = {"train": [], "dev": [], "test": []}
    groups: dict[tuple, list] = defaultdict(list)
    for (lang, domain, doc), items in by_doc.items():
        groups[(lang, domain)].append((doc, items))
    for docs in groups.values():
        want = {"test": TEST_PAIRS, "dev": DEV_PAIRS}
        for _doc, items in sorted(docs, key=lambda d: _rank(d[0])):
            name = next((s for s in ("test", "dev") if want[s] > 0), "train")
            if name != "train" and len(items) > HUGE * max(want[name], 100):
                name = "train"
            splits[name].extend(items)
            if name != "train":
                want[name] -= len(items)
    return splits


def remove_overlap(train: list[Pair], held_out: Iterable[Pair]) -> list[Pair]:
    """Drop every training pair whose source or English side appears in a held-out set."""
    seen = set()
    for p in held_out:
        seen.add(key(p.src))
        seen.add(key(p.en))
    return [p for p in train if key(p.src) not in seen and key(p.en) not in seen]


def deduplicate(pairs: Iterable[Pair]) -> list[Pair]:
    seen, out = set(), []
    for p in pairs:
        k = (p.lang, key(p.src), key(p.en))
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def write_split(path: Path, pairs: list[Pair]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(f"{p.src}\t{p.en}\t{group_of(p)}\n")
    tmp.replace(path)


def _sources(work: Path) -> dict[str, Callable[[], Iterable[Pair]]]:
    from .bible import read_bible_pairs
    from .ddtp import read_ddtp_pairs
    from .gettext_catalogs import read_gettext_pairs

    return {"descriptions": lambda: read_ddtp_pairs(),
            "bible": lambda: read_bible_pairs(work / "sources"),
            "ui": lambda: read_gettext_pairs(work / "sources")}


def build(out: Path | None = None) -> dict:
    out = out or corpus_dir()
    out.mkdir(parents=True, exist_ok=True)
    raw, kept = Counter(), Counter()
    cleaned: list[Pair] = []
    for name, read in _sources(out).items():
        for pair in tqdm(read(), desc=f"clean {name}", unit=" pairs", leave=False):
            raw[(pair.lang, pair.domain)] += 1
            if (good := clean_pair(pair)) is not None:
                cleaned.append(good)
    cleaned = deduplicate(cleaned)
    for p in cleaned:
        kept[(p.lang, p.domain)] += 1
    splits = split_by_document(cleaned)
    splits["train"] = remove_overlap(splits["train"], splits["test"] + splits["dev"])
    counts = {}
    for name, items in splits.items():
        write_split(out / f"{name}.tsv", items)
        per = Counter((p.lang, p.domain) for p in items)
        counts[name] = {f"{lang}/{domain}": n for (lang, domain), n in sorted(per.items())}
    counts["raw"] = {f"{a}/{b}": n for (a, b), n in sorted(raw.items())}
    counts["clean"] = {f"{a}/{b}": n for (a, b), n in sorted(kept.items())}
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    return counts


def print_counts(counts: dict) -> None:
    keys = sorted(counts["raw"])
    print(f"{'lang/domain':<18}" + "".join(f"{c:>9}" for c in
                                            ("raw", "clean", "train", "dev", "test")))
    for k in keys:
        print(f"{k:<18}" + "".join(f"{counts[c].get(k, 0):>9}" for c in
                                    ("raw", "clean", "train", "dev", "test")))


def main() -> None:
    """`python -m multimodal data translate`."""
    print_counts(build())
    print(f"written to {corpus_dir()}/{{train,dev,test}}.tsv")
