"""The key file an IT administrator exports and imports: a database key sealed by a passphrase.

The file is a tiny SQLCipher database holding the key id and the key: AES-256 with an HMAC-SHA512 on
every page, so a wrong passphrase or a changed byte fails to open (nothing home-made). Its raw
SQLCipher key is scrypt(passphrase) (N=2^17, r=8, p=1, 128 MiB: memory-hard against guessing), and its
first 16 bytes (the SQLCipher salt, readable) are "MOK1" + the 12-byte scrypt salt.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.storage.cipher import DatabaseKey, key_from_hex

KEYFILE_MAGIC = b"MOK1"
MIN_PASSPHRASE = 12
_SCRYPT = {"n": 2**17, "r": 8, "p": 1, "maxmem": 256 * 1024 * 1024, "dklen": 32}


def _pragma_key(passphrase: str, salt: bytes) -> str:
    # NFC: the same Vietnamese passphrase typed with another input method gives the same bytes.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    raw = hashlib.scrypt(secret, salt=salt, **_SCRYPT)
    return f"x'{raw.hex()}{salt.hex()}'"


def check_passphrase(passphrase: str) -> None:
    """A passphrase long enough to protect the key file."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserFacingError(
            _("Mật khẩu bảo vệ tệp khoá phải dài ít nhất {MIN_PASSPHRASE} ký tự.").format(
                MIN_PASSPHRASE=MIN_PASSPHRASE
            )
        )


def export_key(key: DatabaseKey, dest: Path, passphrase: str, *, label: str, now: datetime) -> None:
    """Write the key file (readable by its owner only on POSIX); never overwrites a file."""
    check_passphrase(passphrase)
    if dest.exists():
        raise UserFacingError(_("Tệp {dest} đã tồn tại; không ghi đè. Hãy chọn tên khác.").format(dest=dest))
    salt = KEYFILE_MAGIC + secrets.token_bytes(12)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    conn = sqlcipher.connect(str(partial), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f'PRAGMA key = "{_pragma_key(passphrase, salt)}"')
        conn.execute(
            "CREATE TABLE counter_key (key_id TEXT NOT NULL, secret TEXT NOT NULL, label TEXT, at TEXT)"
        )
        conn.execute(
            "INSERT INTO counter_key VALUES (?, ?, ?, ?)",
            (key.id_hex, key.secret.hex(), label, now.isoformat()),
        )
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, dest)


def import_key(source: Path, passphrase: str) -> DatabaseKey:
    """The key inside a key file; a Vietnamese error for a wrong passphrase or a file that is not one."""
    try:
        with source.open("rb") as handle:
            salt = handle.read(16)
    except OSError as exc:
        raise UserFacingError(
            _("Không đọc được tệp khoá {source} ({error}).").format(source=source, error=exc.strerror)
        ) from exc
    if len(salt) != 16 or not salt.startswith(KEYFILE_MAGIC):
        raise UserFacingError(_("{name} không phải tệp khoá của phần mềm Một cửa.").format(name=source.name))
    conn = sqlcipher.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f'PRAGMA key = "{_pragma_key(passphrase, salt)}"')
        row = conn.execute("SELECT key_id, secret FROM counter_key").fetchone()
        return key_from_hex(str(row[0]), str(row[1]))
    except (sqlcipher.DatabaseError, TypeError, ValueError):
        raise UserFacingError(
            _("Sai mật khẩu của tệp khoá {name}, hoặc tệp đã bị sửa/hỏng.").format(name=source.name)
        ) from None
    finally:
        conn.close()
