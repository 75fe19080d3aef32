"""The hub: queue engine, store, bus service, broker supervisor, web."""
