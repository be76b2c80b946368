"""Markdown tables, as the evaluations print them and the model cards and README carry them."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def markdown_table(header: list[str], rows: list[list[str]],
                   align: list[str] | None = None) -> str:
    """`align`: each column's separator cell (default "---"; "---:" right-aligns)."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(align or ["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def examples_table(pipe, suffix: str, kind: str, truth: str) -> list[str]:
    """Lines of a table: a model's output on the app's examples (`examples/*<suffix>`), next
    to the English each one says or shows (`<name>.en.txt`)."""
    inputs = sorted(EXAMPLES.glob(f"*{suffix}"))
    rows = []
    for path, pred in zip(inputs, pipe.predict([str(p) for p in inputs]), strict=True):
        english = path.with_suffix(".en.txt")
        said = english.read_text(encoding="utf-8").strip() if english.exists() else ""
        rows.append([f"`examples/{path.name}`", said, pred.text])
    return markdown_table([kind, truth, "ours"], rows).split("\n")
