"""multimodal: pluggable encoders (image, audio, text) feeding one attention decoder.

    import multimodal
    pipe = multimodal.load("weights/translate-birnn", device="cpu")
    print(pipe.predict(["Bonjour le monde."])[0].text)
"""

from .bundle import find_bundles, load_bundle, save_bundle
from .encoders import list_encoders, register_encoder
from .errors import BundleError, InputError, MultimodalError, NoModelError
from .model import EncoderDecoder, build_model
from .pipeline import Pipeline, Prediction, load
from .search import SearchOptions

__version__ = "0.1.0"
__all__ = ["BundleError", "EncoderDecoder", "InputError", "MultimodalError", "NoModelError",
           "Pipeline", "Prediction", "SearchOptions", "build_model", "find_bundles",
           "list_encoders", "load", "load_bundle", "register_encoder", "save_bundle"]
