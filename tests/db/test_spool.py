"""The PDF spool purge on real files and modification times: old printed PDFs go, nothing else is touched."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter_app import settings
from counter_app.cli.admin import main
from counter_app.clock import SystemClock
from counter_app.errors import FieldErrors
from counter_app.services.forms import forms_dir
from counter_app.services.spool import purge_due, purge_forms
from counter_app.storage.database import Database

NOW = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def _file(folder: Path, relative: str, age_days: float, data: bytes = b"%PDF-1.4 ...") -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    moment = (NOW - timedelta(days=age_days)).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_purge_removes_only_old_pdfs_and_empty_month_folders(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    old = _file(forms, "2026/01/000.00.31.H12-260105-1001-bien-nhan.pdf", 60)
    old_upper = _file(forms, "2026/01/SCAN.PDF", 45)
    edge = _file(forms, "2026/02/vua-du.pdf", 29.9)
    fresh = _file(forms, "2026/03/hom-nay.pdf", 0.1)
    note = _file(forms, "2026/01/ghi-chu.txt", 400)  # not a PDF: never touched
    temp = _file(forms, "2026/01/.x.pdf.abc.tmp", 400)  # a print being written
    alone = _file(forms, "2025/12/cu.pdf", 100)
    outside = _file(tmp_path, "elsewhere/khac.pdf", 400)
    link = forms / "2025" / "11" / "lien-ket.pdf"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    os.utime(link, ((NOW - timedelta(days=400)).timestamp(),) * 2, follow_symlinks=False)
    other_folder = forms / "nhap"  # not a YYYY folder: never removed even when empty
    other_folder.mkdir()

    assert purge_forms(forms, NOW, 30) == 3
    assert not old.exists() and not old_upper.exists() and not alone.exists()
    assert edge.exists() and fresh.exists() and note.exists() and temp.exists()
    assert outside.exists() and link.is_symlink()
    assert not (forms / "2025" / "12").exists()  # emptied month folder removed
    assert (forms / "2025" / "11").exists() and (forms / "2026" / "01").exists()  # still hold something
    assert other_folder.is_dir()
    assert purge_forms(forms, NOW, 30) == 0


def test_purge_keeps_this_months_folder_even_when_empty(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    (forms / "2026" / "03").mkdir(parents=True)  # made by the print about to be written
    _file(forms, "2025/02/cu.pdf", 400)
    assert purge_forms(forms, NOW.replace(tzinfo=None), 1) == 1  # naive = UTC
    assert (forms / "2026" / "03").is_dir()
    assert not (forms / "2025").exists()


def test_purge_of_a_missing_folder_and_bad_days(tmp_path: Path) -> None:
    assert purge_forms(tmp_path / "none", NOW, 30) == 0
    with pytest.raises(ValueError):
        purge_forms(tmp_path, NOW, 0)


def test_keep_days_setting_is_declared_and_checked(db: Database) -> None:
    with db.write() as session:
        assert settings.get(session, settings.FORMS_KEEP_DAYS) == 30
        with pytest.raises(FieldErrors, match="từ 1 đến 3650 ngày"):
            settings.put(session, SystemClock(), settings.FORMS_KEEP_DAYS, 0, None)
        settings.put(session, SystemClock(), settings.FORMS_KEEP_DAYS, "7", None)
    assert settings.BY_KEY["forms.keep_days"] is settings.FORMS_KEEP_DAYS
    week_old = _file(forms_dir(), "2026/03/tuan-truoc.pdf", 8)
    recent = _file(forms_dir(), "2026/03/hom-qua.pdf", 1)
    assert purge_due(db, NOW) == 1
    assert not week_old.exists() and recent.exists()


def test_forms_purge_command(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    month = f"{now:%Y/%m}"
    ancient = forms_dir() / month / "rat-cu.pdf"
    ancient.parent.mkdir(parents=True, exist_ok=True)
    ancient.write_bytes(b"%PDF")
    stamp = (now - timedelta(days=40)).timestamp()
    os.utime(ancient, (stamp, stamp))
    middle = forms_dir() / month / "vua.pdf"
    middle.write_bytes(b"%PDF")
    stamp = (now - timedelta(days=10)).timestamp()
    os.utime(middle, (stamp, stamp))

    assert main(["forms", "purge", "--db", str(db_path)]) == 0  # the setting: 30 days
    assert "Đã xoá 1 tệp PDF" in capsys.readouterr().out
    assert not ancient.exists() and middle.exists()
    assert main(["forms", "purge", "--days", "5"]) == 0
    assert not middle.exists()
    assert main(["forms", "purge", "--days", "0"]) == 2
    assert "từ 1 đến 3650" in capsys.readouterr().err
