"""Padding never receives attention, and every encoder honours its mask: an input encodes
the same alone as inside a padded batch."""

import pytest
import torch

from multimodal.decoder import AttentionDecoder
from multimodal.encoders import build_encoder, list_encoders


def _check_same_alone_and_batched(encoder, inputs, lengths, unpad):
    encoder.eval()
    with torch.no_grad():
        batched = encoder(inputs, lengths)
        for i in range(len(inputs)):
            alone = encoder(*unpad(i))
            n = int(alone.mask.sum())
            assert alone.mask.all()
            assert int(batched.mask[i].sum()) == n
            assert not batched.mask[i, n:].any()  # padding is marked as padding
            assert torch.allclose(batched.memory[i, :n], alone.memory[0], atol=1e-5)


def test_text_encoder_mask():
    encoder = build_encoder("birnn", vocab_size=30, d_model=32, num_layers=2)
    lengths = torch.tensor([7, 3, 5])
    tokens = torch.randint(4, 30, (3, 7))
    for i, n in enumerate(lengths):
        tokens[i, n:] = 0
    _check_same_alone_and_batched(encoder, tokens, lengths,
                                  lambda i: (tokens[i:i + 1, : lengths[i]], lengths[i:i + 1]))


def test_audio_encoder_mask_and_downsampling():
    encoder = build_encoder("cnn_bilstm", d_model=32, conv_channels=8, lstm_layers=2)
    lengths = torch.tensor([16000, 9000, 4321])
    wave = torch.randn(3, 16000) * 0.1
    for i, n in enumerate(lengths):
        wave[i, n:] = 0
    _check_same_alone_and_batched(encoder, wave, lengths,
                                  lambda i: (wave[i:i + 1, : lengths[i]], lengths[i:i + 1]))
    with torch.no_grad():
        out = encoder(wave, lengths)
    frames = (16000 - 400) // 160 + 1
    assert out.memory.shape[1] <= frames / 4 + 1  # time is downsampled at least 4x


def test_spec_augment_only_in_training():
    encoder = build_encoder("cnn_bilstm", d_model=32, conv_channels=8, lstm_layers=1,
                            dropout=0.0)
    wave, lengths = torch.randn(2, 16000) * 0.1, torch.tensor([16000, 16000])
    encoder.eval()
    with torch.no_grad():
        first, second = encoder(wave, lengths).memory, encoder(wave, lengths).memory
        assert torch.equal(first, second)  # inference is deterministic: no masking
        feats, _ = encoder.features(wave, lengths)
        masked = encoder.spec_augment(feats.clone())
        assert (masked == 0).sum() > (feats == 0).sum()  # the masks really mask


@pytest.mark.parametrize("name", list_encoders("image"))
def test_image_encoders_give_a_full_grid(name):
    args = {"d_model": 16}
    if name == "efficientnet_lite0":
        args["pretrained"] = False
    encoder = build_encoder(name, **args).eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out = encoder(images)
        alone = encoder(images[1:])
    assert out.memory.shape == (2, 4, 16)  # 64 px / 32 = 2x2 grid
    assert out.mask.all()
    assert torch.allclose(out.memory[1], alone.memory[0], atol=1e-4)


@pytest.mark.parametrize("attention", ["additive", "location", "dot", "general"])
def test_padding_gets_no_attention(attention):
    torch.manual_seed(0)
    decoder = AttentionDecoder(vocab_size=20, memory_dim=32, embed_dim=16, hidden_dim=32,
                               attention=attention, attention_dim=16).eval()
    encoder = build_encoder("birnn", vocab_size=30, d_model=32).eval()
    tokens = torch.randint(4, 30, (3, 6))
    lengths = torch.tensor([6, 2, 4])
    for i, n in enumerate(lengths):
        tokens[i, n:] = 0
    enc = encoder(tokens, lengths)
    target = torch.randint(4, 20, (3, 5))
    decoder(target, decoder.init_state(enc))  # teacher-forced, whole sequence
    weights = decoder.attention_weights
    assert weights.shape == (3, 5, 6)
    for i, n in enumerate(lengths):
        assert torch.all(weights[i, :, n:] == 0)
        assert torch.allclose(weights[i, :, :n].sum(-1), torch.ones(5))
    state = decoder.init_state(enc)
    with torch.no_grad():
        for t in range(5):  # incremental steps give the same weights
            _, state = decoder(target[:, t:t + 1], state)
            assert torch.allclose(decoder.attention_weights[:, 0], weights[:, t], atol=1e-5)


def test_vtlp_moves_a_tone_by_its_factor_only_in_training():
    from multimodal.encoders.audio import warped_filters

    encoder = build_encoder("cnn_bilstm", d_model=32, vtlp=0.1)
    filters = encoder.mel.mel_scale.fb  # [201 bins, 80 mels]
    assert torch.equal(warped_filters(filters, torch.tensor([1.0]))[0], filters)
    tone_bin = 60  # 2.4 kHz, below the warp's bend
    for alpha in (0.9, 1.1):
        warped = warped_filters(filters, torch.tensor([alpha]))[0]
        assert warped[tone_bin].argmax() == filters[round(alpha * tone_bin)].argmax()
        assert warped[tone_bin].argmax() != filters[tone_bin].argmax()
    wave, lengths = torch.randn(2, 8000), torch.tensor([8000, 6000])
    encoder.eval()  # inference never warps: the same clip gives the same features
    assert torch.equal(encoder.features(wave, lengths)[0], encoder.features(wave, lengths)[0])
    encoder.train()
    assert not torch.equal(encoder.features(wave, lengths)[0],
                           encoder.features(wave, lengths)[0])
