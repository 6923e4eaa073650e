"""The bundled example images (licences in ui/examples/CREDITS.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ddpm import DDPMError

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


@dataclass(frozen=True)
class Example:
    file: str  # in EXAMPLES_DIR
    is_digit: bool  # a digit the bundled MNIST model knows
    credit: str

    @property
    def path(self) -> Path:
        return EXAMPLES_DIR / self.file

    def open(self) -> Image.Image:
        with Image.open(self.path) as image:
            return image.copy()


EXAMPLES: dict[str, Example] = {
    "Astronaut": Example("astronaut.png", False, "NASA, public domain (via scikit-image)"),
    "Cat (Chelsea)": Example("chelsea.png", False, "Stefan van der Walt, CC0 (via scikit-image)"),
    "Coffee": Example("coffee.png", False, "Rachel Michetti, CC0 (via scikit-image)"),
    "Camera man": Example("camera.png", False, "Lav Varshney, CC0 (via scikit-image)"),
    "Digit 2 (MNIST)": Example("digit_2.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 3 (MNIST)": Example("digit_3.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 7 (MNIST)": Example("digit_7.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
}


def load_example(name: str) -> Example:
    """The bundled example called ``name``, else a ``DDPMError`` listing the names."""
    if name not in EXAMPLES:
        raise DDPMError(f"There is no bundled example called {name!r}; pick one of: {', '.join(EXAMPLES)}.")
    return EXAMPLES[name]
