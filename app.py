"""DDPM Studio — entry point of the Gradio app.

The three tabs (Forward noising, Reverse sampling, Schedule explorer) arrive with the UI issues; until then this
prints what the library can already do from the command line.
"""

import sys


def main() -> int:
    print("DDPM Studio: the Gradio app arrives with the UI work. The ddpm library is ready: see README.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
