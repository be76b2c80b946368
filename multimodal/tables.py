"""Markdown tables, as the evaluations print them and the model cards and README carry them."""

from __future__ import annotations


def markdown_table(header: list[str], rows: list[list[str]],
                   align: list[str] | None = None) -> str:
    """`align`: each column's separator cell (default "---"; "---:" right-aligns)."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(align or ["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
