"""The French/Spanish/German -> English corpus, built from offline packages
(`python -m multimodal data translate`)."""
