"""The waiting-room display: calls on a TV, spoken announcements, queue information, ads.

Public pieces (the rest are modules' private rooms):

* :class:`display.controller.DisplayController` — bus messages in, view model and
  announcements out (no Qt);
* :func:`display.announcement.build` — what a call says (Hungarian grammar in
  :mod:`display.hungarian`);
* :mod:`display.audio` — voices, players, chime, the announcer queue;
* :mod:`display.media` / :mod:`display.playlist` — the checksum media cache and
  the schedule;
* :mod:`display.sizing` — the layout from screen size and room depth;
* :mod:`display.views` — the thin Qt views; :mod:`display.cli` — ``sorra display``.
"""
