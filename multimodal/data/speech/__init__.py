"""The synthetic speech corpus: English text spoken by many TTS voices, then augmented.

    python -m multimodal data speech    # -> cache/speech/{train,dev,test_voice}.tsv
"""
