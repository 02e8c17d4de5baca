"""biosphere-tui: a keyboard-first terminal dashboard for the IFB Biosphère cloud."""

__version__ = "0.1.0"
