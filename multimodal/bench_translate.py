"""Translation speed of a bundle next to Apertium, on the same 500 held-out sentences
(fr and es: the languages Apertium has), measured in one run."""

from __future__ import annotations

import time

from .data.readers import read_sentence_pairs
from .data.translate.build import corpus_dir
from .data.translate.pairs import parse_group
from .devices import describe
from .errors import MultimodalError
from .pipeline import Pipeline

SENTENCES = 500


def bench_sentences() -> list[tuple[str, str]]:
    """(sentence, lang): 250 French and 250 Spanish held-out sentences, spread over the set."""
    test = corpus_dir() / "test.tsv"
    if not test.exists():
        raise MultimodalError(f"{test} is missing: run `python -m multimodal data translate`")
    examples = read_sentence_pairs(test)
    chosen = []
    for lang in ("fr", "es"):
        rows = [e.source for e in examples if parse_group(e.group)[0] == lang]
        step = max(1, len(rows) // (SENTENCES // 2))
        chosen += [(s, lang) for s in rows[::step][: SENTENCES // 2]]
    return chosen


def _rate(fn, n: int) -> float:
    began = time.perf_counter()
    fn()
    return n / (time.perf_counter() - began)


def run_translate_bench(pipe: Pipeline, batches=(1, 64), beams=(1, 5)) -> list[dict]:
    from .peers.apertium import apertium_available, apertium_translate

    chosen = bench_sentences()
    sentences = [s for s, _ in chosen]
    print(f"device: {describe(pipe.device)}; {len(sentences)} held-out sentences "
          f"(fr {sum(lang == 'fr' for _, lang in chosen)}, es "
          f"{sum(lang == 'es' for _, lang in chosen)})")
    rows = []
    pipe.predict(sentences[:8], beam=1)  # warm-up
    for beam in beams:
        for batch in batches:
            rate = _rate(lambda b=batch, k=beam: pipe.predict(sentences, beam=k, batch_size=b),
                         len(sentences))
            rows.append({"system": f"ours, beam {beam}", "batch": batch, "rate": rate})
    if all(apertium_available(lang) for lang in ("fr", "es")):
        def apertium():
            for lang in ("fr", "es"):
                apertium_translate([s for s, g in chosen if g == lang], lang)

        rows.append({"system": "Apertium (spa-eng; fr via fr-es)", "batch": len(sentences),
                     "rate": _rate(apertium, len(sentences))})
    print(f"{'system':<34} {'batch':>5} {'sentences/s':>12}")
    for r in rows:
        print(f"{r['system']:<34} {r['batch']:>5} {r['rate']:>12.1f}")
    return rows


def run(pipe: Pipeline, args) -> None:
    """`bench --task translate`."""
    run_translate_bench(pipe)
