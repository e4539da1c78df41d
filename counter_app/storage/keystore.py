"""Database keys in the operating system's credential store (keyring; Windows Credential Manager/DPAPI).

One entry per key: service "counter-app", user name = the key id (24 hex digits, the same id the
encrypted file carries in its header, so a moved or copied file finds its key), secret = the key as
64 hex digits. Nothing else about the key is written anywhere on disk by the application.
"""

from __future__ import annotations

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.storage.cipher import DatabaseKey, key_from_hex

SERVICE = "counter-app"
# keyring is imported on first use: it costs about 0.2 s, paid only when a database is encrypted.


class KeyStoreError(UserFacingError):
    """The credential store cannot be used (no backend, locked, access refused)."""


def _failed(exc: Exception) -> KeyStoreError:
    return KeyStoreError(
        _(
            "Không dùng được kho khoá của hệ điều hành ({name}: {error}). Trên máy Windows của quầy, kho "
            "khoá là Windows Credential Manager của tài khoản đang đăng nhập."
        ).format(name=type(exc).__name__, error=exc)
    )


def load_key(key_id: bytes) -> DatabaseKey | None:
    """The stored key with this id, or None if this PC's credential store does not hold it."""
    import keyring
    from keyring.errors import KeyringError

    try:
        stored = keyring.get_password(SERVICE, key_id.hex())
    except (KeyringError, RuntimeError) as exc:
        raise _failed(exc) from exc
    if stored is None:
        return None
    try:
        return key_from_hex(key_id.hex(), stored)
    except ValueError:
        raise KeyStoreError(
            _(
                "Khoá mã {hex} trong kho khoá của máy này bị hỏng; hãy nhập lại tệp khoá (counter-admin "
                "encryption import-key TỆP)."
            ).format(hex=key_id.hex())
        ) from None


def save_key(key: DatabaseKey) -> None:
    """Store the key and read it back: a key that did not stick must never encrypt a database."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, key.id_hex, key.secret.hex())
    except (KeyringError, RuntimeError) as exc:
        raise _failed(exc) from exc
    if load_key(key.key_id) != key:
        raise KeyStoreError(_("Kho khoá của hệ điều hành không lưu được khoá; chưa thay đổi gì."))


def forget_key(key_id: bytes) -> None:
    """Remove a key from this PC's store (used when an aborted enable leaves an unused key)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, key_id.hex())
    except PasswordDeleteError:
        pass
    except (KeyringError, RuntimeError) as exc:
        raise _failed(exc) from exc
