"""The held-out sets, pinned: which sentence pairs of which documents are dev and test.

`held_out.tsv` beside this file lists them, one document per row:
`split<TAB>lang:doc<TAB>fingerprint fingerprint ...`. They were drawn once by
`split_by_document` (whole documents in hash order); since then every build, on any machine,
finds the same pairs again by their fingerprints. Drawing anew on a machine whose sources
have grown would pick other documents, some of which a shipped model has trained on; pinned,
the sets stay the shipped model's real held-out sets and its scores can be checked.

A held-out document's other pairs (a later release's wording, its AppStream text) are kept
out of training too, but not added to the sets, so the sets never change."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .clean import key
from .pairs import Pair, group_of, parse_group

HELD_OUT = Path(__file__).with_name("held_out.tsv")
SPLITS = ("dev", "test")


def fingerprint(pair: Pair) -> str:
    """A pair's identity as the cleaner sees it (what de-duplication compares)."""
    text = f"{pair.lang}\t{key(pair.src)}\t{key(pair.en)}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def read_held_out(path: Path = HELD_OUT) -> dict[str, dict[str, list[str]]]:
    """{split: {lang:doc: [fingerprint, ...]}} in the file's order; empty if there is none."""
    pinned: dict[str, dict[str, list[str]]] = {name: {} for name in SPLITS}
    if not path.is_file():
        return pinned
    for line in path.read_text(encoding="utf-8").splitlines():
        name, group, prints = line.split("\t")
        pinned[name][group] = prints.split()
    return pinned


def write_held_out(sets: dict[str, list[Pair]], path: Path) -> None:
    """Pin these dev and test sets (document order and pair order are kept)."""
    rows = []
    for name in SPLITS:
        docs: dict[str, list[str]] = {}
        for pair in sets[name]:
            docs.setdefault(group_of(pair), []).append(fingerprint(pair))
        rows += [f"{name}\t{group}\t{' '.join(prints)}" for group, prints in docs.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def pick_held_out(pairs: list[Pair], pinned: dict[str, dict[str, list[str]]]
                  ) -> tuple[dict[str, list[Pair]], Counter]:
    """The pinned pairs found among `pairs`, in pinned order, and how many were not found per
    `split lang:doc` (a package may leave the archive). A pair found only in another
    document (its package renamed, say) is taken under its pinned document."""
    wanted = {print_: group for groups in pinned.values()
              for group, prints in groups.items() for print_ in prints}
    found: dict[str, Pair] = {}
    for pair in pairs:
        print_ = fingerprint(pair)
        if print_ in wanted and (print_ not in found or group_of(pair) == wanted[print_]
                                 != group_of(found[print_])):
            found[print_] = pair
    sets, missing = {}, Counter()
    for name, groups in pinned.items():
        sets[name] = []
        for group, prints in groups.items():
            lang, domain = parse_group(group)
            for print_ in prints:
                if print_ not in found:
                    missing[f"{name} {group}"] += 1
                elif group_of(found[print_]) == group:
                    sets[name].append(found[print_])
                else:
                    sets[name].append(replace(found[print_], lang=lang, domain=domain,
                                              doc=group.split(":", 1)[1]))
    return sets, missing
