"""An in-memory keyring backend for tests: no test ever touches the operating system's credential store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Credentials in a dict; `entries` is open for tests to inspect or corrupt."""

    priority = 1

    def __init__(self) -> None:  # KeyringBackend's own only reads KEYRING_PROPERTY_* variables
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A fresh in-memory credential store (a test module's fixture wraps this); afterwards an empty one,
    so a later test can never reach the real store."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(MemoryKeyring())
