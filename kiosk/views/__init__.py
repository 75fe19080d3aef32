"""The kiosk's PyQt6 views: they render the controller's view state and nothing else."""

from kiosk.views.theme import Metrics
from kiosk.views.window import InputFilter, KioskWindow

__all__ = ["InputFilter", "KioskWindow", "Metrics"]
