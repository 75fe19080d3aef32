"""The kiosk: a touch ticket dispenser that prints on ESC/POS thermal printers.

``kiosk.controller`` owns the flow (plain Python, no Qt), ``kiosk.views`` are
thin PyQt6 widgets that render the controller's view state, and
``kiosk.printing`` is the printer adapter (ticket layout as bytes, the device
behind a small interface, real-time status). ``kiosk.cli`` runs it all.
"""
