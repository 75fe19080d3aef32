"""Central reporting for many offices: every hub's event log in PostgreSQL (docs/central.md).

* :mod:`central.service` — ``sorra central run``: broker, consumer, web app;
* :mod:`central.db` — schema, idempotent ingest on (site, sequence), reports;
* :mod:`central.consumer` — MQTT → PostgreSQL → acknowledgements;
* :mod:`central.broker` — the hub's Mosquitto supervisor with per-site accounts;
* :mod:`central.live` — the live overview, from the events through the hub's reducer;
* :mod:`central.stats` — the hub's statistics (hub.stats) per office, fed from PostgreSQL;
* :mod:`central.web` — the web app.

The hub side is :mod:`hub.central_link`.
"""
