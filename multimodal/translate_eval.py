"""Translation scores per source language and domain, next to Apertium and the
copy-the-source floor, on the very same held-out sentences (real beam decoding)."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from dataclasses import asdict, replace

from .data.readers import Example
from .data.translate.pairs import parse_group
from .metrics import bleu, chrf
from .pipeline import Pipeline
from .significance import bleu_difference, format_difference
from .tables import markdown_table


def apertium_or_none(sentences: list[str], lang: str) -> list[str] | None:
    """Apertium's translations, or None where it has no pair (German) or is not installed."""
    from .peers.apertium import apertium_available, apertium_translate

    return apertium_translate(sentences, lang) if apertium_available(lang) else None


def translation_table(pipe: Pipeline, examples: list[Example], beam: int | None = None,
                      batch_size: int = 64, limit: int | None = None) -> list[dict]:
    """One row per (language, domain): BLEU and chrF of the model, Apertium and the floor;
    `limit`: at most that many sentences per row, spread across its documents."""
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        groups[parse_group(e.group)].append(e)
    rows = []
    for (lang, domain), items in sorted(groups.items()):
        if limit:
            items = items[:: max(1, len(items) // limit)][:limit]
        sources, refs = [e.source for e in items], [e.target for e in items]
        began = time.perf_counter()
        ours = [p.text for p in pipe.predict(sources, beam=beam, batch_size=batch_size)]
        seconds = time.perf_counter() - began
        peer = apertium_or_none(sources, lang)
        rows.append({
            "lang": lang, "domain": domain, "sentences": len(items),
            "bleu": bleu(ours, refs), "chrf": chrf(ours, refs),
            "apertium_bleu": None if peer is None else bleu(peer, refs),
            "apertium_chrf": None if peer is None else chrf(peer, refs),
            "bleu_minus_apertium": None if peer is None
            else asdict(bleu_difference(ours, peer, refs)),
            "copy_bleu": bleu(sources, refs), "copy_chrf": chrf(sources, refs),
            "sentences_per_second": len(items) / seconds,
        })
    return rows


def format_table(rows: list[dict]) -> str:
    def cell(v):
        return "  n/a" if v is None else f"{v:5.1f}"

    return markdown_table(
        ["lang", "domain", "sentences", "BLEU", "chrF", "Apertium BLEU", "Apertium chrF",
         "copy BLEU", "copy chrF", "BLEU, ours minus Apertium (95% interval)"],
        [[r["lang"], r["domain"], str(r["sentences"])]
         + [cell(r[k]) for k in ("bleu", "chrf", "apertium_bleu", "apertium_chrf",
                                 "copy_bleu", "copy_chrf")]
         + [format_difference(r["bleu_minus_apertium"], missing="n/a")] for r in rows])


def has_corpus_groups(examples: list[Example]) -> bool:
    """Whether every pair names its language and document as the built corpus does
    (`fr:ddtp:<package>`), so that it can be scored per language and domain."""
    try:
        return bool(examples) and all(parse_group(e.group) for e in examples)
    except (KeyError, ValueError):
        return False


def run(pipe: Pipeline, args, examples: list[Example] | None = None) -> int:
    """`evaluate --task translate`: the built corpus's test set (or `examples`, read from
    `--test` in its format, such as its dev set), per language and domain."""
    import json
    from pathlib import Path

    from .data.readers import read_sentence_pairs
    from .data.translate.build import corpus_dir
    from .errors import MultimodalError

    if examples is None:
        test = corpus_dir() / "test.tsv"
        if not test.exists():
            raise MultimodalError(f"{test} is missing: build it with "
                                  "`python -m multimodal data translate`, or pass --test PATH")
        examples = read_sentence_pairs(test)
    elif args.card:
        raise MultimodalError("--card scores the built corpus's test set: leave out --test")
    if args.beam:  # one place for the search: the table, the everyday rows and the card
        pipe.options = replace(pipe.options, beam=args.beam)
    rows = translation_table(pipe, examples, batch_size=args.batch_size,
                             limit=args.limit)
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    if args.card:
        from .translate_card import everyday_rows, write_card

        write_card(pipe, rows, everyday_rows(pipe), Path(pipe.source))
        print(f"wrote {Path(pipe.source) / 'MODEL_CARD.md'}", file=sys.stderr)
    return 0
