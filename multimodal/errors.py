"""Errors meant for people: each carries a one-line message the CLI and the app show as is."""


class MultimodalError(Exception):
    """Base class for every error whose message is written for the user."""


class InputError(MultimodalError):
    """The input cannot be used: a corrupt image, silent audio, empty text, a missing file."""


class BundleError(MultimodalError):
    """A model bundle is missing, broken, foreign or from an incompatible version."""


class NoModelError(MultimodalError):
    """A task has no trained model yet."""
