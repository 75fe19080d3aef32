"""Qt views of the waiting-room display (thin: they paint the controller's model)."""

from display.views.window import DisplayWindow

__all__ = ["DisplayWindow"]
