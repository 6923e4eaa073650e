"""The bundled example images (licences in ui/examples/CREDITS.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ddpm import DDPMError

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
NOTO_EMOJI = "Noto Color Emoji, Google: images Apache-2.0, font OFL-1.1"


@dataclass(frozen=True)
class Example:
    file: str  # in EXAMPLES_DIR
    model: str | None  # the bundled model that knows it ("digits", "emoji"): the Forward tab's x̂₀ panel asks it
    credit: str

    @property
    def path(self) -> Path:
        return EXAMPLES_DIR / self.file

    def open(self) -> Image.Image:
        with Image.open(self.path) as image:
            return image.copy()


EXAMPLES: dict[str, Example] = {
    "Astronaut": Example("astronaut.png", None, "NASA, public domain (via scikit-image)"),
    "Cat (Chelsea)": Example("chelsea.png", None, "Stefan van der Walt, CC0 (via scikit-image)"),
    "Coffee": Example("coffee.png", None, "Rachel Michetti, CC0 (via scikit-image)"),
    "Camera man": Example("camera.png", None, "Lav Varshney, CC0 (via scikit-image)"),
    "Digit 2 (MNIST)": Example("digit_2.png", "digits", "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 3 (MNIST)": Example("digit_3.png", "digits", "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 7 (MNIST)": Example("digit_7.png", "digits", "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Cat face (emoji)": Example("emoji_cat.png", "emoji", NOTO_EMOJI),
    "Apple (emoji)": Example("emoji_apple.png", "emoji", NOTO_EMOJI),
    "Rainbow (emoji)": Example("emoji_rainbow.png", "emoji", NOTO_EMOJI),
    "Rocket (emoji)": Example("emoji_rocket.png", "emoji", NOTO_EMOJI),
}


def load_example(name: str) -> Example:
    """The bundled example called ``name``, else a ``DDPMError`` listing the names."""
    if name not in EXAMPLES:
        raise DDPMError(f"There is no bundled example called {name!r}; pick one of: {', '.join(EXAMPLES)}.")
    return EXAMPLES[name]
