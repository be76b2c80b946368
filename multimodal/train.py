"""One training loop for every task.

AdamW, linear warm-up then cosine decay, gradient clipping, label smoothing, bf16 autocast on
CUDA, gradient accumulation, a checkpoint every N steps that resumes exactly (weights,
optimiser, schedule, RNG and position in the data), early stopping on a dev score computed
by real decoding, tqdm progress and a JSONL log.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch.utils.data import DataLoader, Dataset, Sampler
from tqdm import tqdm

from .devices import autocast
from .losses import guided_attention_loss, off_regions
from .model import EncoderDecoder
from .preprocess import Preprocessor, pad_batch
from .snapshots import SnapshotKeeper, plain_state
from .tokenizer import PAD_ID, Tokenizer


@dataclass
class TrainConfig:
    steps: int = 10_000
    batch_size: int = 32
    grad_accum: int = 1  # optimiser step every this many batches
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = 500
    final_lr_ratio: float = 0.05  # cosine decay ends at lr * this
    clip: float = 1.0
    label_smoothing: float = 0.1
    guided_attention: float | None = None  # attention prior's weight (None: the task's)
    log_every: int = 50
    checkpoint_every: int = 500
    eval_every: int = 500
    patience: int = 0  # stop after this many evaluations without a better dev score (0: never)
    average: int = 0  # keep the N best dev snapshots; use their mean when it scores better
    trunk_lr_scale: float = 1.0  # learning rate of a CNN trunk's fine-tuned blocks, relative
    balance: float = 1.0  # sampling temperature over the data's domains (1: natural shares)
    seed: int = 0
    num_workers: int = 0
    progress: bool = True


class ExampleDataset(Dataset):
    """(raw input, target text) pairs -> (input tensor, target ids with BOS/EOS, regions).

    `regions`, optional: per example the boxes (x0, y0, x1, y1 in [0, 1]) of what its target
    talks about, where the picture shows it (the guided-attention prior of images)."""

    def __init__(self, sources: list, targets: list[str], prepare: Preprocessor,
                 target_tokenizer: Tokenizer, lengths: list[int] | None = None,
                 regions: list | None = None, domains: list[str] | None = None):
        self.sources, self.targets = sources, targets
        self.prepare, self.tokenizer = prepare, target_tokenizer
        self.lengths = lengths  # optional size of each input, used to batch similar lengths
        self.regions = regions
        self.domains = domains  # optional kind of material of each example, for balancing

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, i):
        ids = self.tokenizer.encode(self.targets[i], add_bos=True, add_eos=True)
        regions = None if self.regions is None else self.regions[i]
        return self.prepare(self.sources[i]), torch.tensor(ids, dtype=torch.long), regions

    def collate(self, items):
        inputs, lengths = self.prepare.collate([x for x, _, _ in items])
        targets, _ = pad_batch([y for _, y, _ in items], PAD_ID)
        if self.regions is None:
            return inputs, lengths, targets, None
        boxes, _ = pad_batch([torch.tensor(r, dtype=torch.float32).view(-1, 4)
                              for *_, r in items], 0.0)  # all-zero rows: padding
        return inputs, lengths, targets, boxes


def domain_shares(domains: list[str], temperature: float) -> dict[str, float]:
    """Each domain's share of the draws: proportional to its size ** (1 / temperature), as
    multilingual translation samples its languages. 1 keeps the natural shares; higher
    temperatures move towards equal shares, so small domains are seen more often."""
    sizes = Counter(domains)
    weights = {d: n ** (1 / temperature) for d, n in sorted(sizes.items())}
    total = sum(weights.values())
    return {d: w / total for d, w in weights.items()}


class ResumableBatchSampler(Sampler):
    """Shuffled batches, a fixed order per (seed, epoch), so a run can restart mid-epoch.

    With known input lengths, each pool of 50 batches is sorted by length before cutting,
    which keeps padding low, and the batches are then shuffled. With `domains` and a
    temperature above 1, an epoch still holds n examples, but drawn per domain by
    `domain_shares` (a small domain's examples repeat, a large one's are subsampled)."""

    def __init__(self, n: int, batch_size: int, seed: int, lengths: list[int] | None = None,
                 domains: list[str] | None = None, temperature: float = 1.0):
        self.n, self.batch_size, self.seed, self.lengths = n, batch_size, seed, lengths
        self.by_domain: dict[str, list[int]] = {}
        if domains is not None and temperature != 1:
            for i, d in enumerate(domains):
                self.by_domain.setdefault(d, []).append(i)
            self.shares = domain_shares(domains, temperature)
        self.epoch, self.skip = 0, 0

    def _draw(self, g: torch.Generator) -> list[int]:
        """This epoch's n examples, each domain's count set by its share (largest remainder)."""
        quotas = {d: self.n * share for d, share in self.shares.items()}
        counts = {d: int(q) for d, q in quotas.items()}
        short = self.n - sum(counts.values())
        for d in sorted(quotas, key=lambda d: counts[d] - quotas[d])[:short]:
            counts[d] += 1
        drawn = []
        for d, members in self.by_domain.items():
            laps = -(-counts[d] // len(members))  # whole shuffled passes, then cut
            drawn += [members[i] for _ in range(laps)
                      for i in torch.randperm(len(members), generator=g).tolist()][: counts[d]]
        return [drawn[i] for i in torch.randperm(len(drawn), generator=g).tolist()]

    def batches(self, epoch: int) -> list[list[int]]:
        g = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        order = (self._draw(g) if self.by_domain
                 else torch.randperm(self.n, generator=g).tolist())
        if self.lengths is not None:
            pool = self.batch_size * 50
            order = [i for s in range(0, self.n, pool)
                     for i in sorted(order[s:s + pool], key=self.lengths.__getitem__)]
        batches = [order[s:s + self.batch_size] for s in range(0, self.n, self.batch_size)]
        return [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size) - self.skip

    def __iter__(self):
        yield from self.batches(self.epoch)[self.skip:]


def lr_factor(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.final_lr_ratio + (1 - cfg.final_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass
class TrainResult:
    steps: int
    seconds: float
    best_score: float | None
    stopped_early: bool
    averaged_score: float | None = None  # dev score of the averaged snapshots, when used


class Trainer:
    """Train `model` on `dataset`; files go to `run_dir` (checkpoint.pt, best.safetensors,
    log.jsonl, snapshots/). `evaluate(model) -> score` (higher is better) drives early stopping
    and picks the weights a run ends with: the best, or the average of the best few."""

    def __init__(self, model: EncoderDecoder, dataset: ExampleDataset, run_dir: str | Path,
                 cfg: TrainConfig, device: torch.device,
                 evaluate: Callable[[EncoderDecoder], float] | None = None):
        self.model, self.dataset, self.cfg, self.device = model.to(device), dataset, cfg, device
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.evaluate = evaluate
        self.optimizer = torch.optim.AdamW(self._param_groups(model, cfg), lr=cfg.lr)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: lr_factor(s, cfg))
        self.loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_ID, reduction="sum",
                                                 label_smoothing=cfg.label_smoothing)
        self.sampler = ResumableBatchSampler(len(dataset), cfg.batch_size, cfg.seed,
                                             dataset.lengths, dataset.domains, cfg.balance)
        self.step, self.batches_seen, self.best, self.bad_evals = 0, 0, None, 0
        self.elapsed = 0.0
        self.snapshots = SnapshotKeeper(self.run_dir / "snapshots", cfg.average)

    @staticmethod
    def _param_groups(model: EncoderDecoder, cfg: TrainConfig) -> list[dict]:
        """Weight decay on matrices only; a pretrained CNN trunk's fine-tuned blocks may
        learn at `trunk_lr_scale` times the rate, so that they adapt without forgetting."""
        trunk = getattr(model.encoder, "trunk", None)
        in_trunk = ({id(p) for p in trunk.parameters()}
                    if trunk is not None and cfg.trunk_lr_scale != 1 else set())
        params = [p for p in model.parameters() if p.requires_grad]
        groups = []
        for lr, part in ((cfg.lr, [p for p in params if id(p) not in in_trunk]),
                         (cfg.lr * cfg.trunk_lr_scale, [p for p in params if id(p) in in_trunk])):
            if part or not groups:
                groups += [{"params": [p for p in part if p.dim() > 1], "lr": lr,
                            "weight_decay": cfg.weight_decay},
                           {"params": [p for p in part if p.dim() <= 1], "lr": lr,
                            "weight_decay": 0.0}]
        return groups

    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "scheduler": self.scheduler.state_dict(), "step": self.step,
                 "batches_seen": self.batches_seen, "best": self.best,
                 "bad_evals": self.bad_evals, "elapsed": self.elapsed, "rng": _rng_state(),
                 "config": asdict(self.cfg)}
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)  # never leave a half-written checkpoint

    def resume(self) -> bool:
        """Continue from run_dir/checkpoint.pt if there is one (our own file, loaded with
        weights_only=True all the same)."""
        if not self.checkpoint_path.exists():
            return False
        # Read onto the CPU: the RNG states must stay CPU tensors (mapped onto a GPU, resuming
        # failed there), and load_state_dict moves the rest to the model's device.
        state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.batches_seen = state["step"], state["batches_seen"]
        self.best, self.bad_evals = state["best"], state["bad_evals"]
        self.elapsed = state["elapsed"]
        _set_rng_state(state["rng"])
        return True

    def log(self, **record) -> None:
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")

    def _batches(self):
        """Endless batches, starting where `batches_seen` says."""
        per_epoch = math.ceil(len(self.dataset) / self.cfg.batch_size)
        epoch, skip = divmod(self.batches_seen, per_epoch)
        while True:
            self.sampler.epoch, self.sampler.skip = epoch, skip
            loader = DataLoader(self.dataset, batch_sampler=self.sampler,
                                collate_fn=self.dataset.collate,
                                num_workers=self.cfg.num_workers,
                                # its own generator: the global RNG (dropout) stays untouched
                                generator=torch.Generator().manual_seed(self.cfg.seed))
            yield from loader
            epoch, skip = epoch + 1, 0

    def _loss(self, inputs, lengths, targets, regions, tokens_in_step: int) -> torch.Tensor:
        """Summed token loss over the whole accumulated step's token count, so that
        accumulating k batches is the same as one batch k times as big."""
        inputs, targets = inputs.to(self.device), targets.to(self.device)
        lengths = None if lengths is None else lengths.to(self.device)
        with autocast(self.device):
            enc = self.model.encode(inputs, lengths)
            logits = self.model.decode(enc, targets[:, :-1])
            loss = self.loss_fn(logits.float().flatten(0, 1), targets[:, 1:].flatten())
            if self.model.ctc_head is not None:
                w = self.model.ctc_weight
                loss = (1 - w) * loss + w * self.model.ctc_loss(enc, targets)
            if self.cfg.guided_attention:
                weights = self.model.decoder.attention_weights
                penalty = (None if regions is None
                           else off_regions(regions.to(self.device), weights.shape[-1]))
                loss = loss + self.cfg.guided_attention * guided_attention_loss(
                    weights, targets[:, 1:] != PAD_ID, enc.mask, penalty=penalty)
        return loss / tokens_in_step

    def _evaluate(self) -> bool:
        """Score the dev set; keep the best weights; True when patience has run out."""
        self.model.eval()
        score = float(self.evaluate(self.model))
        self.model.train()
        improved = self.best is None or score > self.best
        if improved:
            self.best, self.bad_evals = score, 0
            save_file(plain_state(self.model), str(self.run_dir / "best.safetensors"))
        else:
            self.bad_evals += 1
        if self.cfg.average > 1:
            self.snapshots.offer(self.model, self.step, score)
        self.log(step=self.step, dev_score=score, best=self.best)
        return bool(self.cfg.patience) and self.bad_evals >= self.cfg.patience

    def fit(self, until: int | None = None, time_limit: float | None = None) -> TrainResult:
        """Train to `cfg.steps`, or pause at step `until` or after `time_limit` seconds
        (checkpointed: `resume` goes on from there)."""
        cfg = self.cfg
        session_start = time.perf_counter()
        last = min(cfg.steps, until or cfg.steps)
        self.model.train()
        batches = self._batches()
        stopped = False
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not cfg.progress,
                   desc="train", unit="step", dynamic_ncols=True)
        began, running = time.perf_counter() - self.elapsed, None
        while self.step < last and not stopped:
            self.optimizer.zero_grad(set_to_none=True)
            step_batches = [next(batches) for _ in range(cfg.grad_accum)]
            self.batches_seen += cfg.grad_accum
            tokens = sum(int((batch[2][:, 1:] != PAD_ID).sum()) for batch in step_batches)
            total = 0.0
            for batch in step_batches:
                loss = self._loss(*batch, tokens)
                loss.backward()
                total += loss.item()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
            self.optimizer.step()
            self.scheduler.step()
            self.step += 1
            self.elapsed = time.perf_counter() - began
            running = total if running is None else 0.95 * running + 0.05 * total
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}", lr=f"{self.scheduler.get_last_lr()[0]:.2e}")
            if self.step % cfg.log_every == 0:
                self.log(step=self.step, loss=total, lr=self.scheduler.get_last_lr()[0],
                         seconds=round(self.elapsed, 1))
            if self.evaluate and self.step % cfg.eval_every == 0:
                stopped = self._evaluate()
            out_of_time = (time_limit is not None
                           and time.perf_counter() - session_start > time_limit)
            if out_of_time:
                last = self.step
            if self.step % cfg.checkpoint_every == 0 or stopped or self.step == last:
                self.save_checkpoint()
        bar.close()
        best_path = self.run_dir / "best.safetensors"
        if self.evaluate and best_path.exists():
            self.model.load_state_dict(load_file(str(best_path), device=str(self.device)))
        score = self._try_average() if self.evaluate and self.cfg.average > 1 else None
        self.model.eval()
        return TrainResult(self.step, self.elapsed, self.best, stopped, score)

    def _try_average(self) -> float | None:
        """Swap in the mean of the best snapshots when its dev score beats the best single
        one; its score, or None where the best single weights stay."""
        averaged = self.snapshots.average(str(self.device))
        if averaged is None:
            return None
        self.model.load_state_dict(averaged)
        self.model.eval()
        score = float(self.evaluate(self.model))
        used = score > self.best
        self.log(step=self.step, averaged=len(self.snapshots.scores()), dev_score=score,
                 used=used)
        if not used:  # back to the best single weights, which are on disk
            best = load_file(str(self.run_dir / "best.safetensors"), device=str(self.device))
            self.model.load_state_dict(best)
            return None
        save_file(plain_state(self.model), str(self.run_dir / "averaged.safetensors"))
        return score
