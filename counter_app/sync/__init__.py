"""Offline-first sync with the central server: wire protocol, HTTP client, the sync engine."""
