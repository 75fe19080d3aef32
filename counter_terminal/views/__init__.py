"""Thin PyQt6 views of the clerk screen: they render a ViewModel and call the controller."""

from counter_terminal.views.window import ClerkWindow

__all__ = ["ClerkWindow"]
