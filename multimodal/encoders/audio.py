"""Audio encoder: log-mel (torchaudio, on the model's device) -> 2-D conv blocks that halve
time and frequency each -> stacked BiLSTM.

Padding is kept out of every stage so that an utterance encodes the same alone or inside
a padded batch: frames are un-centred (no frame reaches past the signal), normalisation
statistics use real frames only, padded frames are zeroed before each convolution, and the
LSTM runs on packed sequences.
"""

from __future__ import annotations

import torch
import torchaudio
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .base import Encoder, EncoderOutput, lengths_to_mask, register_encoder


class ConvBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_ch)

    def forward(self, x: torch.Tensor, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # x [B, C, T, F]; zero the padded frames so the kernel sees what zero-padding would give.
        x = x * lengths_to_mask(frames, x.shape[2])[:, None, :, None]
        x = torch.relu(self.norm(self.conv(x)))
        return x, (frames - 1) // 2 + 1


def warped_filters(filters: torch.Tensor, factors: torch.Tensor,
                   boundary: float = 0.8) -> torch.Tensor:
    """Mel filters [F, M] -> one warped copy per factor [B, F, M]: the energy of frequency f
    lands in the filters of alpha * f, piecewise linearly so that the top bin stays the top
    bin (Jaitly & Hinton's warp, with its bend at `boundary` of the band)."""
    bins = filters.shape[0] - 1
    f = torch.arange(bins + 1, dtype=filters.dtype, device=filters.device)
    alpha = factors.to(filters.device, filters.dtype).unsqueeze(1)  # [B, 1]
    bend = boundary * bins * alpha.clamp(max=1) / alpha  # where the line changes slope
    warped = torch.where(f <= bend, alpha * f,
                         bins - (bins - alpha * bend) * (bins - f) / (bins - bend))
    low = warped.floor().long().clamp(0, bins)
    frac = (warped - low).unsqueeze(-1)
    high = (low + 1).clamp(max=bins)
    return filters[low] * (1 - frac) + filters[high] * frac


@register_encoder("cnn_bilstm")
class CNNBiLSTMAudioEncoder(Encoder):
    modality = "audio"

    def __init__(self, d_model: int = 256, sample_rate: int = 16000, n_mels: int = 80,
                 n_fft: int = 400, hop_length: int = 160, conv_channels: int = 64,
                 conv_blocks: int = 2, lstm_layers: int = 3, dropout: float = 0.2,
                 spec_augment: bool = True, vtlp: float = 0.1):
        super().__init__()
        if d_model % 2:
            raise ValueError("d_model must be even: each LSTM direction gets half")
        self.sample_rate, self.n_fft, self.hop_length, self.n_mels = (
            sample_rate, n_fft, hop_length, n_mels)
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
            center=False)
        # SpecAugment (Park et al. 2019): masks in training only, one draw per utterance.
        self.spec_augment = nn.Sequential(
            torchaudio.transforms.FrequencyMasking(n_mels // 5, iid_masks=True),
            torchaudio.transforms.TimeMasking(40, iid_masks=True, p=0.2),
        ) if spec_augment else None
        # VTLP (Jaitly & Hinton 2013): in training, each utterance's frequency axis is
        # stretched by a factor in [1 - vtlp, 1 + vtlp], as if a longer or shorter vocal tract
        # had spoken it; a few synthetic voices then stand for many speakers.
        self.vtlp = vtlp
        self.convs = nn.ModuleList(ConvBlock(1 if i == 0 else conv_channels, conv_channels)
                                   for i in range(conv_blocks))
        freq = n_mels
        for _ in range(conv_blocks):
            freq = (freq - 1) // 2 + 1
        self.proj = nn.Linear(conv_channels * freq, d_model)
        self.lstm = nn.LSTM(d_model, d_model // 2, lstm_layers, batch_first=True,
                            bidirectional=True, dropout=dropout if lstm_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.output_dim = d_model

    def preprocessing(self) -> dict:
        return {"sample_rate": self.sample_rate, "n_mels": self.n_mels, "n_fft": self.n_fft,
                "hop_length": self.hop_length}

    def features(self, wave: torch.Tensor, lengths: torch.Tensor):
        """Normalised log-mel [B, n_mels, T] and the number of real frames per utterance."""
        if wave.shape[1] < self.n_fft:
            wave = nn.functional.pad(wave, (0, self.n_fft - wave.shape[1]))
        with torch.autocast(wave.device.type, enabled=False):
            power = self.mel.spectrogram(wave.float())  # [B, F, T]
            if self.training and self.vtlp:
                filters = warped_filters(self.mel.mel_scale.fb, self.vtlp_factors(len(wave)))
                mel = torch.bmm(filters.transpose(1, 2), power)
            else:
                mel = self.mel.mel_scale(power)
            mel = torch.log(mel + 1e-6)
        frames = ((lengths.clamp(min=self.n_fft) - self.n_fft) // self.hop_length + 1)
        mask = lengths_to_mask(frames, mel.shape[-1]).unsqueeze(1)  # [B, 1, T]
        count = frames.view(-1, 1, 1).to(mel.dtype)
        mean = (mel * mask).sum(-1, keepdim=True) / count
        var = (((mel - mean) * mask) ** 2).sum(-1, keepdim=True) / count
        return (mel - mean) / (var.sqrt() + 1e-5) * mask, frames

    def vtlp_factors(self, n: int) -> torch.Tensor:
        return 1 + (torch.rand(n) * 2 - 1) * self.vtlp

    def forward(self, wave: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        if lengths is None:
            lengths = torch.full((wave.shape[0],), wave.shape[1], device=wave.device)
        feats, frames = self.features(wave, lengths)
        if self.training and self.spec_augment is not None:
            feats = self.spec_augment(feats)
        x = feats.transpose(1, 2).unsqueeze(1)  # [B, 1, T, F]
        for conv in self.convs:
            x, frames = conv(x, frames)
        x = self.dropout(self.proj(x.permute(0, 2, 1, 3).flatten(2)))  # [B, T', D]
        packed = pack_padded_sequence(x, frames.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return EncoderOutput(self.dropout(out), lengths_to_mask(frames, x.shape[1]))
