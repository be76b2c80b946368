"""`train-lm`: train a language model over a bundle's target pieces and store it in a copy of
the bundle, for shallow fusion in beam search (multimodal.language_model).

Texts are one sentence per line, written as the bundle's targets are (a speech bundle's
transcripts: lowercase words; `data speech` writes lm_train.txt and lm_dev.txt of held-in
and dev sentences). Resumable: run_dir/lm_checkpoint.pt holds the weights, optimiser, step
and RNG; the best dev perplexity so far is kept in run_dir/lm_best.safetensors. The fused
weight starts at 0 in the written bundle: `tune` chooses it on dev clips."""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from .bundle import CARD_NAME, load_bundle, save_bundle
from .errors import MultimodalError
from .language_model import TokenLM
from .preprocess import pad_batch
from .tokenizer import PAD_ID, Tokenizer
from .train import TrainConfig, lr_factor


def read_lines(path: Path, tokenizer: Tokenizer, limit: int | None = None) -> list[list[int]]:
    """[BOS] ids [EOS] of every non-empty line."""
    if not path.is_file():
        raise MultimodalError(f"{path}: no such text file (python -m multimodal data speech "
                              "writes cache/speech/lm_train.txt and lm_dev.txt)")
    lines = [t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()][:limit]
    if not lines:
        raise MultimodalError(f"{path} holds no text")
    return [tokenizer.encode(t, add_bos=True, add_eos=True)
            for t in tqdm(lines, desc=f"tokenise {path.name}", unit=" lines", mininterval=2,
                          leave=False)]


def batch_loss(lm: TokenLM, batch: list[list[int]], device) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy of every next piece, and how many pieces were predicted."""
    ids = pad_batch([torch.tensor(s) for s in batch], PAD_ID)[0].to(device)
    logits, _ = lm(ids[:, :-1])
    target = ids[:, 1:]
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             target.reshape(-1), ignore_index=PAD_ID,
                                             reduction="sum")
    return loss, int((target != PAD_ID).sum())


@torch.no_grad()
def perplexity(lm: TokenLM, texts: list[list[int]], device, batch_size: int = 256) -> float:
    was_training = lm.training
    lm.eval()
    total, count = 0.0, 0
    for start in range(0, len(texts), batch_size):
        loss, n = batch_loss(lm, texts[start:start + batch_size], device)
        total, count = total + loss.item(), count + n
    lm.train(was_training)
    return math.exp(total / max(count, 1))


def _batches(texts: list[list[int]], batch_size: int, rng: random.Random):
    """Endless batches of similar-length sentences (less padding), in random order."""
    while True:
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), rng.random()))
        chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(chunks)
        for chunk in chunks:
            yield [texts[i] for i in chunk]


def train_lm(bundle: Path, train_text: Path, dev_text: Path, out: Path, run_dir: Path,
             steps: int = 20_000, batch_size: int = 128, lr: float = 2e-3, warmup: int = 300,
             eval_every: int = 1000, checkpoint_every: int = 200,
             time_limit: float | None = None, lm_args: dict | None = None,
             device: str | torch.device = "cpu", seed: int = 0) -> Path:
    """Train (or go on training) the LM of `run_dir`; write `bundle` + that LM to `out`."""
    model, config, tokenizers = load_bundle(bundle, device)
    target = tokenizers["target"]
    args = {"vocab_size": len(target), "embed_dim": 256, "hidden_dim": 512, "num_layers": 1,
            **(lm_args or {})}
    lm = TokenLM(**args).to(device)
    optimiser = torch.optim.AdamW(lm.parameters(), lr=lr, weight_decay=0.01)
    schedule = TrainConfig(steps=steps, warmup=warmup)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint, best_path = run_dir / "lm_checkpoint.pt", run_dir / "lm_best.safetensors"
    step, best, seconds = 0, float("inf"), 0.0
    if checkpoint.exists():  # our own file, read with weights_only: nothing is unpickled
        # the RNG state must stay a CPU tensor; load_state_dict moves the rest to `device`
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        if state["args"] != args:
            raise MultimodalError(f"{checkpoint} holds a language model of another shape "
                                  f"({state['args']}); use another --run-dir")
        lm.load_state_dict(state["lm"])
        optimiser.load_state_dict(state["optimiser"])
        step, best, seconds = state["step"], state["best"], state["seconds"]
        torch.set_rng_state(state["rng"])
    train, dev = read_lines(train_text, target), read_lines(dev_text, target, 5000)
    rng = random.Random(f"{seed}:{step}")  # a resumed run draws fresh batches
    batches = _batches(train, batch_size, rng)
    began = time.monotonic() - seconds
    bar = tqdm(total=steps, initial=step, desc="train lm", unit=" steps", mininterval=2)
    lm.train()
    while step < steps:
        for group in optimiser.param_groups:
            group["lr"] = lr * lr_factor(step, schedule)
        loss, n = batch_loss(lm, next(batches), device)
        optimiser.zero_grad(set_to_none=True)
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
        optimiser.step()
        step += 1
        bar.update(1)
        bar.set_postfix(ppl=f"{math.exp(loss.item() / n):.1f}", refresh=False)
        out_of_time = time_limit is not None and time.monotonic() - began >= time_limit
        if step % eval_every == 0 or step == steps or out_of_time:
            dev_ppl = perplexity(lm, dev, device)
            tqdm.write(f"step {step}: dev perplexity {dev_ppl:.2f} (best {best:.2f})")
            if dev_ppl < best:
                best = dev_ppl
                save_file({k: v.detach().cpu().contiguous() for k, v in lm.state_dict().items()},
                          best_path)
        if step % checkpoint_every == 0 or step == steps or out_of_time:
            seconds = time.monotonic() - began
            torch.save({"lm": lm.state_dict(), "optimiser": optimiser.state_dict(),
                        "step": step, "best": best, "seconds": seconds, "args": args,
                        "rng": torch.get_rng_state()}, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").replace(checkpoint)
        if out_of_time:
            tqdm.write(f"time limit reached at step {step}: run again to go on")
            break
    bar.close()
    if not best_path.exists():
        raise MultimodalError("no dev evaluation has run yet: train more steps")
    lm.load_state_dict(load_file(best_path))
    model.lm = lm.cpu().eval()
    config["lm"] = args
    config.setdefault("search", {}).setdefault("lm_weight", 0.0)
    config.setdefault("metadata", {})["lm"] = {
        "train_text": str(train_text), "sentences": len(train), "steps": step,
        "batch_size": batch_size, "seconds": round(time.monotonic() - began),
        "dev_perplexity": round(best, 2), "finished": step >= steps}
    card = bundle / CARD_NAME
    return save_bundle(out, model.cpu(), config, tokenizers, config.get("precision", "fp32"),
                       card.read_text() if card.is_file() else None)
