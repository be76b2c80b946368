"""Build the translation corpus: read every source, clean, split held-out sets by whole
source documents, and keep every test sentence out of training.

    python -m multimodal data translate      # -> cache/translate/{train,dev,test}.tsv

Rows are `source<TAB>English<TAB>lang:doc` (the pairs format `train` reads). The held-out
sets are pinned in `held_out.tsv` (see held_out.py), so sources added later, or a build on a
fresh machine, only ever change the training pairs. A language or domain the pinned list does
not cover draws its held-out documents in hash order (`split_by_document`)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

from ..cache import cache_dir
from .clean import clean_pair, key
from .held_out import HELD_OUT, pick_held_out, read_held_out, write_held_out
from .pairs import Pair, group_of, parse_group

# Held-out pairs wanted per (language, domain); a document bigger than HUGE x this stays in
# training so that one giant gettext domain cannot swallow a whole held-out set.
TEST_PAIRS, DEV_PAIRS, HUGE = 500, 300, 2
# No held-out sets from names and stamp sentences (phrases.py) or machine-made Spanish
# (backtranslate.py): they are training material only.
TRAIN_ONLY = {"phrases", "synthetic"}


EVERYDAY = Path(__file__).with_name("everyday.tsv")


def corpus_dir() -> Path:
    return cache_dir() / "translate"


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
    for (_lang, domain), docs in groups.items():
        if domain in TRAIN_ONLY:
            splits["train"].extend(p for _doc, items in docs for p in items)
            continue
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


def everyday_pairs() -> list[Pair]:
    """The everyday sentences of the model card (data/translate/everyday.tsv)."""
    with open(EVERYDAY, encoding="utf-8") as f:
        return [Pair(r["source"], r["english"], r["lang"], "everyday", "everyday")
                for r in csv.DictReader(f, delimiter="\t")]


def write_split(path: Path, pairs: list[Pair]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(f"{p.src}\t{p.en}\t{group_of(p)}\n")
    tmp.replace(path)


def _sources(work: Path) -> dict[str, Callable[[], Iterable[Pair]]]:
    from .appstream import read_appstream_pairs
    from .archive import fetch
    from .backtranslate import read_backtranslated_pairs
    from .bible import read_bible_pairs
    from .ddtp import read_ddtp_pairs
    from .gettext_catalogs import read_gettext_pairs
    from .phrases import read_phrase_pairs

    debian = work / "sources" / "debian"  # several releases' apt metadata (archive.py)
    return {"ddtp": lambda: read_ddtp_pairs(fetch(debian)),
            "appstream": lambda: read_appstream_pairs(fetch(debian)),
            "bible": lambda: read_bible_pairs(work / "sources"),
            "gettext": lambda: read_gettext_pairs(work / "sources"),
            "phrases": read_phrase_pairs,
            "backtranslated": lambda: read_backtranslated_pairs(fetch(debian),
                                                                work / "sources")}


def split_pinned(pairs: list[Pair], pinned: dict, held: dict[str, list[Pair]]
                 ) -> dict[str, list[Pair]]:
    """Train, dev and test: the pinned held-out pairs `held`, every other pair of a pinned
    document nowhere, and the (language, domain)s the list does not cover split afresh."""
    covered = {parse_group(group) for groups in pinned.values() for group in groups}
    held_docs = {group for groups in pinned.values() for group in groups}
    drawn = split_by_document([p for p in pairs if (p.lang, p.domain) not in covered])
    splits = {"train": [p for p in pairs if (p.lang, p.domain) in covered
                        and group_of(p) not in held_docs] + drawn["train"]}
    for name in ("dev", "test"):
        if drawn[name]:
            print(f"{name}: {len(drawn[name])} pairs of languages or domains that held_out.tsv "
                  "does not cover, drawn by document hash")
        splits[name] = held[name] + drawn[name]
    return splits


def build(out: Path | None = None, held_out: Path = HELD_OUT) -> dict:
    out = out or corpus_dir()
    out.mkdir(parents=True, exist_ok=True)
    raw, kept = Counter(), Counter()
    per_source = {"raw": Counter(), "clean": Counter()}  # before de-duplication across sources
    cleaned: list[Pair] = []
    for name, read in _sources(out).items():
        for pair in tqdm(read(), desc=f"clean {name}", unit=" pairs", leave=False):
            raw[(pair.lang, pair.domain)] += 1
            per_source["raw"][f"{pair.lang}/{name}"] += 1
            if (good := clean_pair(pair)) is not None:
                cleaned.append(good)
                per_source["clean"][f"{pair.lang}/{name}"] += 1
    pinned = read_held_out(held_out)
    # Before de-duplication, which keeps a pair's first source: a source added later may now
    # come first with a pinned sentence, and the pinned document's own copy must stay.
    held, missing = pick_held_out(cleaned, pinned)
    if missing:
        print(f"{sum(missing.values())} pinned held-out pairs are no longer in the sources: "
              + ", ".join(f"{group} {n}" for group, n in sorted(missing.items())[:5])
              + (" ..." if len(missing) > 5 else ""))
    cleaned = deduplicate(cleaned)
    for p in cleaned:
        kept[(p.lang, p.domain)] += 1
    splits = split_pinned(cleaned, pinned, held)
    # What a pinned list for this build would hold (copy it over held_out.tsv to pin new sets).
    write_held_out(splits, out / "held_out.tsv")
    # The everyday sentences written for the model card are a test too: keep them out.
    splits["train"] = remove_overlap(splits["train"],
                                     splits["test"] + splits["dev"] + everyday_pairs())
    counts = {}
    for name, items in splits.items():
        write_split(out / f"{name}.tsv", items)
        per = Counter((p.lang, p.domain) for p in items)
        counts[name] = {f"{lang}/{domain}": n for (lang, domain), n in sorted(per.items())}
    counts["raw"] = {f"{a}/{b}": n for (a, b), n in sorted(raw.items())}
    counts["clean"] = {f"{a}/{b}": n for (a, b), n in sorted(kept.items())}
    counts["sources"] = {name: dict(sorted(c.items())) for name, c in per_source.items()}
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    return counts


def print_counts(counts: dict) -> None:
    sources = counts["sources"]
    print(f"{'lang/source':<18}{'raw':>9}{'clean':>9}")
    for k in sorted(sources["raw"]):
        print(f"{k:<18}{sources['raw'][k]:>9}{sources['clean'].get(k, 0):>9}")
    print(f"\n{'lang/domain':<18}" + "".join(f"{c:>9}" for c in
                                              ("raw", "clean", "train", "dev", "test")))
    for k in sorted(counts["raw"]):
        print(f"{k:<18}" + "".join(f"{counts[c].get(k, 0):>9}" for c in
                                    ("raw", "clean", "train", "dev", "test")))


def main() -> None:
    """`python -m multimodal data translate`."""
    print_counts(build())
    print(f"written to {corpus_dir()}/{{train,dev,test}}.tsv")
