"""EncoderDecoder: any registered encoder chained to the one attention decoder."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .decoder import AttentionDecoder
from .encoders import Encoder, EncoderOutput, build_encoder
from .language_model import TokenLM
from .search import Hypothesis, SearchOptions, search
from .tokenizer import PAD_ID


class EncoderDecoder(nn.Module):
    """`ctc_weight` > 0 adds a CTC head on the encoder (blank = PAD_ID): trained jointly
    with the decoder (as in ESPnet and SpeechBrain), it makes the encoder learn monotonic
    alignments early, which attention alone finds slowly on speech. `lm`, a language model
    over the target pieces trained on its own (multimodal.train_lm), is fused into beam
    search by `options.lm_weight`; it is stored in the bundle beside the rest."""

    def __init__(self, encoder: Encoder, decoder: AttentionDecoder, ctc_weight: float = 0.0,
                 lm: TokenLM | None = None):
        super().__init__()
        if not 0.0 <= ctc_weight < 1.0:
            raise ValueError(f"ctc_weight must be in [0, 1), got {ctc_weight}")
        self.encoder = encoder
        self.decoder = decoder
        self.ctc_weight = ctc_weight
        self.ctc_head = (nn.Linear(encoder.output_dim, decoder.vocab_size) if ctc_weight
                         else None)
        self.lm = lm

    def encode(self, inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        return self.encoder(inputs, lengths)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor | None,
                target_in: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits [B, T, V] for training; inference goes through `generate`."""
        return self.decode(self.encode(inputs, lengths), target_in)

    def decode(self, enc: EncoderOutput, target_in: torch.Tensor) -> torch.Tensor:
        logits, _ = self.decoder(target_in, self.decoder.init_state(enc))
        return logits

    def ctc_loss(self, enc: EncoderOutput, targets: torch.Tensor) -> torch.Tensor:
        """Summed CTC loss of `targets` ([BOS] ids [EOS] PAD..., as the decoder sees them)."""
        labels = targets[:, 1:]
        label_lengths = (labels != PAD_ID).sum(1) - 1  # without EOS
        log_probs = self.ctc_log_probs(enc).transpose(0, 1)
        return nn.functional.ctc_loss(log_probs, labels, enc.mask.sum(1), label_lengths,
                                      blank=PAD_ID, reduction="sum", zero_infinity=True)

    @torch.inference_mode()
    def generate(self, inputs: torch.Tensor, lengths: torch.Tensor | None,
                 options: SearchOptions,
                 word_prior: Callable[..., list] | None = None,
                 ) -> list[list[Hypothesis]]:
        """n-best results; with a CTC head, `options.ctc_weight` and a beam, every step of
        the search also weighs the CTC prefix score (one-pass joint decoding, as ESPnet).
        `word_prior` (multimodal.word_prior) turns the encoder's class log-probabilities
        into names the search favours, weighted by `options.word_prior`; a language model
        joins a beam search by `options.lm_weight`."""
        enc = self.encode(inputs, lengths)
        phrases = None
        if word_prior is not None and options.word_prior and enc.class_log_probs is not None:
            phrases = word_prior(enc.class_log_probs, enc.pooled, options.name_bank)
        ctc = None
        if self.ctc_head is not None and options.ctc_weight and options.beam > 1:
            ctc = self.ctc_log_probs(enc)
        lm = self.lm if options.lm_weight and options.beam > 1 else None
        return search(self.decoder, enc, options, ctc, phrases, lm)

    def ctc_log_probs(self, enc: EncoderOutput) -> torch.Tensor:
        """[B, L, V] log-probabilities of the CTC head (blank = PAD_ID)."""
        return self.ctc_head(enc.memory).float().log_softmax(-1)

    def stored_state_dict(self) -> dict[str, torch.Tensor]:
        """What a bundle stores: everything but parts that come from elsewhere (a frozen
        pretrained backbone shipped by its own package)."""
        skip = tuple("encoder." + p for p in self.encoder.external_state_prefixes())
        return {k: v for k, v in self.state_dict().items() if not (skip and k.startswith(skip))}

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def build_model(config: dict) -> EncoderDecoder:
    """Build from a config's `encoder` {name, args}, `decoder` {args incl. vocab_size} and,
    where there is one, `lm` {args of TokenLM}."""
    encoder = build_encoder(config["encoder"]["name"], **config["encoder"].get("args", {}))
    decoder = AttentionDecoder(memory_dim=encoder.output_dim, **config["decoder"])
    lm = TokenLM(**config["lm"]) if config.get("lm") else None
    return EncoderDecoder(encoder, decoder, config.get("ctc_weight", 0.0), lm)
