"""The technician setup menu every device has.

* On screen (PyQt6): :func:`sorra.setup.gesture.install_setup_gesture` in a
  device app opens it with five taps in the top-left corner or Ctrl+Alt+S,
  then asks for the setup PIN (:mod:`sorra.setup.views`).
* Over SSH: ``sorra setup …`` (:mod:`sorra.setup.cli`).

Both drive :class:`sorra.setup.controller.SetupController` (plain Python):
role, name, counter number, hub (automatic or manual address) and pairing,
printer with a test print, GPIO pin map with a live button/LED test, serial
LED display test, screen size/orientation/display group, audio test, network
information, recent logs, unpair and factory reset. The hardware tests that
need a role's adapters are registered by that role (:mod:`sorra.setup.hardware`);
this package imports no device app.
"""
