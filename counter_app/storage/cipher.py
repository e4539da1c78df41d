"""SQLCipher key material: a random 256-bit key, and the key id that an encrypted file carries in its salt."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

# An encrypted counter database starts with its 16-byte SQLCipher salt, which we choose: these four
# bytes ("Một cửa, encrypted") and then the 12-byte key id. So the file says what it is and which
# key opens it without being decrypted, and every copy made with the same key (VACUUM INTO, the
# backup API, sqlcipher_export) carries the same id. The key is 256 random bits used raw, so the
# salt's randomness protects nothing (it is the defence of a low-entropy passphrase against
# precomputation; there is no passphrase); SQLCipher still draws a random IV for every page write.
ENC_MAGIC = b"MOCE"
KEY_BYTES = 32
KEY_ID_BYTES = 12
_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class DatabaseKey:
    """The key of one encrypted database: its public id (in the file header) and its secret."""

    key_id: bytes
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key_id) != KEY_ID_BYTES or len(self.secret) != KEY_BYTES:
            raise ValueError("a database key is a 12-byte id and a 32-byte secret")

    @property
    def id_hex(self) -> str:
        """The key id as 24 hex digits (the credential store's user name, shown to the admin)."""
        return self.key_id.hex()

    @property
    def salt(self) -> bytes:
        """The 16 bytes that start every file encrypted with this key."""
        return ENC_MAGIC + self.key_id

    def pragma_value(self) -> str:
        """The value of `PRAGMA key`: the raw key followed by the explicit salt (no KDF)."""
        return f"x'{self.secret.hex()}{self.salt.hex()}'"


def new_key() -> DatabaseKey:
    """A fresh random key with a fresh random id."""
    return DatabaseKey(secrets.token_bytes(KEY_ID_BYTES), secrets.token_bytes(KEY_BYTES))


def key_from_hex(id_hex: str, secret_hex: str) -> DatabaseKey:
    """A key from its stored hex form; ValueError if either part is malformed."""
    id_hex, secret_hex = id_hex.strip().lower(), secret_hex.strip().lower()
    if not (_HEX.match(id_hex) and _HEX.match(secret_hex)):
        raise ValueError("not hex")
    return DatabaseKey(bytes.fromhex(id_hex), bytes.fromhex(secret_hex))


def key_id_in_header(header: bytes) -> bytes | None:
    """The key id of an encrypted counter database from its first bytes, or None if it is not one."""
    if len(header) < len(ENC_MAGIC) + KEY_ID_BYTES or not header.startswith(ENC_MAGIC):
        return None
    return header[len(ENC_MAGIC) : len(ENC_MAGIC) + KEY_ID_BYTES]
