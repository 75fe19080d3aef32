"""The hub's web app: dashboard, admin, statistics, booking, public pages, REST API.

Importing this package is cheap (the CLI uses :mod:`hub.web.accounts`);
FastAPI is imported by :mod:`hub.web.server` and :mod:`hub.web.app` only.
"""
