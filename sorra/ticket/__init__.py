"""The printed ticket, shared by the kiosk (which prints it) and the hub (which previews it).

* :mod:`sorra.ticket.template` — the layout: a TOML list of blocks an office can change;
* :mod:`sorra.ticket.data` — what goes on one ticket;
* :mod:`sorra.ticket.layout` — layout + ticket → the blocks to print, in order, and the
  pure drawing of text and QR codes as images (DejaVu Sans);
* :mod:`sorra.ticket.image` — the whole ticket as a picture (the web page's preview).

The kiosk turns the same blocks into ESC/POS bytes (``kiosk.printing.render``).
"""
