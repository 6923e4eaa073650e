"""The app's input components: Gradio's own, with a ``preprocess`` that lets only checked, typed values through.

Whatever reaches a handler has passed here, whether it came from the page or from anyone calling the API: numbers
are finite and in the widget's range (``ui.params``), choices are one of the choices (of the same type as the API
page declares), and images are decoded by ``ddpm.image_intake`` (size checked from the header, damage and every
Pillow mode handled) into 8-bit PIL images. Anything else is a ``gr.Error`` with one sentence. The page renders
them exactly as Gradio's components (``get_block_name``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import gradio as gr
from PIL import Image
from pydantic import ValidationError

from ddpm import DDPMError
from ddpm.checks import short
from ddpm.image_intake import ImageLimits, open_image

from . import params
from .i18n import english

MAX_UPLOAD_BYTES = 20 * 1024**2  # also Gradio's max_file_size, so that a bigger upload never reaches the disk
UPLOAD_LIMITS = ImageLimits(max_bytes=MAX_UPLOAD_BYTES, max_pixels=40_000_000, max_side=512)  # work at ≤ 512 px
SKETCH_LIMITS = ImageLimits(max_bytes=4 * 1024**2, max_pixels=4_000_000, max_side=512)  # the canvas is 280²
MAX_TEXT = 300  # characters of a typed model name


class _Checked:
    """``preprocess`` = ``check`` with its ``DDPMError`` as the ``gr.Error`` the page shows; rendered as ``base``."""

    base: str
    optional = False  # an empty field (None) is passed on, for the handler to say what is missing

    def get_block_name(self) -> str:
        return self.base

    def preprocess(self, payload: Any) -> Any:
        if payload is None and self.optional:
            return None
        try:
            return self.check(payload)
        except DDPMError as error:
            raise gr.Error(str(error)) from None

    def check(self, payload: Any) -> Any:
        raise NotImplementedError

    def what(self) -> str:
        return english(self.label) or "This value"  # English: the event's gr.Error is translated on its way out


class WholeSlider(_Checked, gr.Slider):
    """A slider of whole numbers (step 1): an ``int`` in [minimum, maximum]."""

    base = "slider"

    def api_info(self) -> dict[str, Any]:
        return {"type": "integer", "description": f"whole number from {self.minimum:g} to {self.maximum:g}"}

    def check(self, payload) -> int:
        return params.whole(payload, self.what(), int(self.minimum), int(self.maximum))


class RealSlider(_Checked, gr.Slider):
    base = "slider"

    def check(self, payload) -> float:
        return params.real(payload, self.what(), self.minimum, self.maximum)


class Whole(_Checked, gr.Number):
    """A number field of whole numbers, e.g. a seed: an ``int`` in [minimum, maximum] (default 0 … MAX_SEED).

    (No ``__init__`` of its own here or below: Gradio sends the page the arguments of the class's ``__init__``.)"""

    base = "number"

    def api_info(self) -> dict[str, Any]:
        return {"type": "integer"}

    def check(self, payload) -> int:
        low = 0 if self.minimum is None else int(self.minimum)
        high = params.MAX_SEED if self.maximum is None else int(self.maximum)
        return params.whole(payload, self.what(), low, high)


class Real(_Checked, gr.Number):
    """A number field: a finite ``float`` in [minimum, maximum] (either may be None)."""

    base = "number"

    def check(self, payload) -> float:
        return params.real(payload, self.what(), self.minimum, self.maximum)


class OptionalWhole(Whole):
    optional = True  # an empty field is passed on as None, for the handler to say what is missing


class OptionalReal(Real):
    optional = True


class _OneOf(_Checked):
    def check(self, payload):
        return params.choice(payload, self.what(), [value for _, value in self.choices])

    def api_info(self) -> dict[str, Any]:
        values = [value for _, value in self.choices]
        kind = "integer" if all(isinstance(v, int) for v in values) else "string"
        return {"enum": values, "title": self.base.title(), "type": kind}


class Choice(_OneOf, gr.Radio):
    """A radio group: one of its choices' values, of the type the API page declares (64 is not "64")."""

    base = "radio"


class Pick(_OneOf, gr.Dropdown):
    """A dropdown without custom values: one of its choices."""

    base = "dropdown"


class Choices(_Checked, gr.CheckboxGroup):
    """A checkbox group: a list of distinct choices."""

    base = "checkboxgroup"

    def check(self, payload) -> list:
        if not isinstance(payload, list):
            raise DDPMError(f"{self.what()} must be a list of choices; got {params.short(payload)}.")
        values = [value for _, value in self.choices]
        return list(dict.fromkeys(params.choice(item, self.what(), values) for item in payload))


class Flag(_Checked, gr.Checkbox):
    base = "checkbox"

    def check(self, payload) -> bool:
        return params.flag(payload, self.what())


class ModelName(_Checked, gr.Dropdown):
    """The model picker: one of the listed models or a typed folder / Hub id (a short string; the cache decides
    what may be loaded)."""

    base = "dropdown"

    def check(self, payload) -> str:
        if not isinstance(payload, str) or len(payload) > MAX_TEXT or "\x00" in payload:
            raise DDPMError(f"A model is named by a folder or a Hub id of at most {MAX_TEXT} characters.")
        return payload.strip()


def _data_url_bytes(url: str, limits: ImageLimits) -> bytes:
    """The bytes of a ``data:image/...;base64,`` URL, refused before decoding when they would pass the limit."""
    header, _, body = url.partition(",")
    if not header.endswith(";base64") or len(body) * 3 // 4 > limits.max_bytes:
        raise DDPMError(f"An image sent as a data: URL must be base64 and at most {limits.max_bytes // 1024**2} MB.")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise DDPMError("The image's data: URL is not valid base64.") from None


def decode(file, limits: ImageLimits) -> Image.Image | None:
    """A ``FileData`` (an uploaded file's path or a ``data:`` URL) or raw bytes → a checked 8-bit PIL image."""
    if file is None:
        return None
    if isinstance(file, (bytes, bytearray)):
        return open_image(bytes(file), limits).image
    url = getattr(file, "url", None) or ""
    if url.startswith("data:"):
        return open_image(_data_url_bytes(url, limits), limits).image
    if getattr(file, "path", None) is None:
        raise DDPMError("No image came with the request.")
    return open_image(file.path, limits).image


def sentenced(model: type, what: str) -> type:
    """``model`` (a Gradio data model), whose validation failure is a ``gr.Error`` sentence instead of a bare "Error".

    Gradio validates a payload against the component's data model before ``preprocess`` sees it; a number or a
    string where an image belongs would otherwise fail there without a message. Same name, same fields, same schema.
    """

    def model_validate(cls, obj, *args, **kwargs):
        try:
            return model.model_validate.__func__(cls, obj, *args, **kwargs)
        except ValidationError:
            raise gr.Error(f"{what} must be an image file or a data: URL; got {short(obj)}.") from None

    namespace = {"model_validate": classmethod(model_validate), "__module__": model.__module__}
    return type(model.__name__, (model,), namespace)


class ImageInput(_Checked, gr.Image):
    """An upload: the file decoded by ``ddpm.image_intake`` (never by Gradio), shrunk to ≤ 512 px."""

    base = "image"
    data_model = sentenced(gr.Image.data_model, "An uploaded image")

    def check(self, payload) -> Image.Image | None:
        return decode(payload, UPLOAD_LIMITS)


class SketchInput(_Checked, gr.Sketchpad):
    """A drawing: only its composite (the picture as shown), decoded like an upload within the canvas's limits."""

    base = "imageeditor"
    data_model = sentenced(gr.Sketchpad.data_model, "A drawing")

    def check(self, payload) -> Image.Image | None:
        if payload is None:
            return None
        if payload.id is not None:  # sent in chunks beforehand: Gradio keeps them in its blob storage
            blobs = self.blob_storage.pop(payload.id, None)
            return decode(blobs.composite if blobs else None, SKETCH_LIMITS)
        return decode(payload.composite, SKETCH_LIMITS)
