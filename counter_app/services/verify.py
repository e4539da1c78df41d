"""`verify`: one report on the database's health: file integrity, audit chain, codes, events and outbox.

Errors are things that must never happen (a corrupt page, an edited audit row, a code issued twice, a
dossier without its outbox op); warnings are explained oddities (a gap in the day's numbers left by a
high-water raise after a restore). Each finding names the rows involved so an administrator can act.
All checks are single SQL passes, so a 1,000,000-dossier database is verified in seconds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from counter_app.i18n import N_, _
from counter_app.services.audit import verify_chain
from counter_app.services.codes import CODE_PATTERN

MAX_LISTED = 50  # findings listed per check; the count is always complete


@dataclass(frozen=True)
class Finding:
    """One problem: which check, how serious, a Vietnamese sentence, and the rows concerned."""

    check: str
    severity: str  # "error" | "warning"
    message: str
    rows: tuple[str, ...] = ()


@dataclass
class CheckResult:
    """The outcome of one check: what was looked at and what was found."""

    name: str
    title: str
    examined: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


@dataclass
class VerifyReport:
    """Every check's result; `ok` is false as soon as one check has an error."""

    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.errors == 0 for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": sum(c.errors for c in self.checks),
            "warnings": sum(len(c.findings) - c.errors for c in self.checks),
            "checks": [
                {
                    "name": c.name,
                    "title": c.title,
                    "examined": c.examined,
                    "ok": c.errors == 0,
                    "findings": [asdict(f) for f in c.findings],
                }
                for c in self.checks
            ],
        }


def _ranges(numbers: Iterable[int]) -> str:
    """1,2,3,7 -> '1–3, 7' (how a gap list is shown)."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(numbers):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        parts.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)


def check_file(session: Session) -> CheckResult:
    """SQLite's full integrity_check, SQLCipher's page check when encrypted, and the foreign-key check."""
    result = CheckResult("file", _("Tính toàn vẹn của tệp cơ sở dữ liệu"))
    try:
        lines = [str(r[0]) for r in session.execute(text("PRAGMA integrity_check(100)"))]
    except DBAPIError as exc:  # on some damaged pages SQLite stops the check itself: that is the finding
        lines = [str(exc.orig)]
    result.examined = 1
    if lines != ["ok"]:
        result.findings.append(
            Finding(
                "file",
                "error",
                _("Tệp cơ sở dữ liệu bị hỏng: ") + "; ".join(lines[:5]),
                tuple(lines[:MAX_LISTED]),
            )
        )
    # An encrypted file: SQLCipher's HMAC check of every page (a plain file's sqlite3 returns no rows).
    cipher = session.connection().exec_driver_sql("PRAGMA cipher_integrity_check")
    damaged = [str(r[0]) for r in cipher] if cipher.returns_rows else []
    if damaged:
        result.findings.append(
            Finding(
                "file",
                "error",
                _("Tệp mã hoá bị hỏng: ") + "; ".join(damaged[:5]),
                tuple(damaged[:MAX_LISTED]),
            )
        )
    orphans = session.execute(text("PRAGMA foreign_key_check")).fetchall()
    if orphans:
        rows = tuple(f"{r[0]} rowid {r[1]} -> {r[2]}" for r in orphans[:MAX_LISTED])
        result.findings.append(
            Finding(
                "file",
                "error",
                _("{count} dòng tham chiếu tới dòng không tồn tại.").format(count=len(orphans)),
                rows,
            )
        )
    return result


def check_audit(session: Session) -> CheckResult:
    """The hash chain of the audit trail: an edited, inserted or deleted row breaks it."""
    result = CheckResult("audit", _("Chuỗi băm của nhật ký kiểm toán"))
    result.examined = int(session.scalar(text("SELECT count(*) FROM audit_log")) or 0)
    for problem in verify_chain(session)[:MAX_LISTED]:
        result.findings.append(Finding("audit", "error", problem.message, (str(problem.audit_id),)))
    return result


def _explained_raises(session: Session) -> dict[tuple[str, str, int], int]:
    """(agency, day, slot) -> the highest number skipped on purpose (a high-water raise, audited)."""
    raised: dict[tuple[str, str, int], int] = {}
    rows = session.execute(text("SELECT detail FROM audit_log WHERE action = 'code_high_water_raised'"))
    for (detail,) in rows:
        try:
            d = json.loads(detail)
            key = (str(d["agency_code"]), str(d["day"]), int(d["slot"]))
            raised[key] = max(raised.get(key, 0), int(d["last_number"]))
        except (ValueError, KeyError, TypeError):
            continue
    return raised


def check_codes(session: Session) -> CheckResult:
    """Every number this counter issued has its dossier; gaps are explained; no number is above the sequence."""
    result = CheckResult("codes", _("Tính liên tục của mã hồ sơ"))
    sequences = {
        (str(a), str(d), int(s)): int(n)
        for a, d, s, n in session.execute(
            text("SELECT agency_code, day, slot, last_number FROM code_sequences")
        )
    }
    used: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    seen: dict[str, int] = defaultdict(int)
    for (code,) in session.execute(text("SELECT code FROM dossiers")):
        result.examined += 1
        seen[str(code).upper()] += 1
        match = CODE_PATTERN.match(str(code))
        if not match:
            result.findings.append(
                Finding(
                    "codes", "error", _("Mã hồ sơ sai định dạng: {code}.").format(code=code), (str(code),)
                )
            )
            continue
        number = int(match["number"])
        day = date(2000 + int(match["day"][:2]), int(match["day"][2:4]), int(match["day"][4:])).isoformat()
        used[(match["agency"], day, number // 1000)].add(number % 1000)
    duplicates = sorted(c for c, n in seen.items() if n > 1)
    if duplicates:
        result.findings.append(
            Finding(
                "codes",
                "error",
                _("{count} mã hồ sơ bị cấp trùng.").format(count=len(duplicates)),
                tuple(duplicates[:MAX_LISTED]),
            )
        )
    raised = _explained_raises(session)
    for key, last in sorted(sequences.items()):
        agency, day, slot = key
        numbers = used.get(key, set())
        above = sorted(n for n in numbers if n > last)
        if above:
            result.findings.append(
                Finding(
                    "codes",
                    "error",
                    _(
                        "Ngày {day}, quầy {slot}: có hồ sơ mang số {ranges} cao hơn số đã cấp ({last}); số "
                        "này có thể bị cấp lại."
                    ).format(day=day, slot=slot, ranges=_ranges(above), last=last),
                    (f"{agency}/{day}/{slot}",),
                )
            )
        missing = set(range(1, last + 1)) - numbers
        skipped = {n for n in missing if n <= raised.get(key, 0)}
        unexplained = missing - skipped
        if skipped:
            result.findings.append(
                Finding(
                    "codes",
                    "warning",
                    _(
                        "Ngày {day}, quầy {slot}: số {ranges} không có hồ sơ ở máy này vì đã được bỏ qua "
                        "khi nâng mốc mã sau khôi phục hoặc đăng ký lại (các số này đã cấp trước đó)."
                    ).format(day=day, slot=slot, ranges=_ranges(skipped)),
                    (f"{agency}/{day}/{slot}",),
                )
            )
        if unexplained:
            result.findings.append(
                Finding(
                    "codes",
                    "error",
                    _(
                        "Ngày {day}, quầy {slot}: số {ranges} đã cấp nhưng không còn hồ sơ (hồ sơ có thể "
                        "đã bị xoá ngoài phần mềm)."
                    ).format(day=day, slot=slot, ranges=_ranges(unexplained)),
                    (f"{agency}/{day}/{slot}",),
                )
            )
    return result


_EVENT_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "SELECT d.code FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM dossier_events e WHERE e.dossier_id "
        "= d.id)",
        N_("hồ sơ không có sự kiện nào (thiếu sự kiện tiếp nhận)"),
    ),
    (
        "SELECT d.code FROM dossiers d JOIN ("
        "  SELECT dossier_id, count(*) AS n, max(seq) AS m, min(seq) AS f FROM dossier_events GROUP BY "
        "dossier_id"
        ") e ON e.dossier_id = d.id WHERE e.n != e.m OR e.f != 1",
        N_("hồ sơ có quá trình xử lý bị thiếu bước (số thứ tự sự kiện không liên tục)"),
    ),
    (
        "SELECT d.code FROM dossiers d JOIN dossier_events e ON e.dossier_id = d.id "
        "WHERE e.seq = (SELECT max(e2.seq) FROM dossier_events e2 "
        "               WHERE e2.dossier_id = d.id AND e2.status_to IS NOT NULL) "
        "AND e.status_to != d.status",
        N_("hồ sơ có trạng thái khác với sự kiện cuối cùng của nó"),
    ),
)


def check_events(session: Session) -> CheckResult:
    """Each dossier's status is the one its last status event says; its events are complete."""
    result = CheckResult("events", _("Sự kiện và trạng thái hồ sơ"))
    result.examined = int(session.scalar(text("SELECT count(*) FROM dossiers")) or 0)
    for sql, what in _EVENT_CHECKS:
        codes = [str(r[0]) for r in session.execute(text(sql))]
        if codes:
            result.findings.append(
                Finding("events", "error", f"{len(codes)} {_(what)}.", tuple(sorted(codes)[:MAX_LISTED]))
            )
    return result


def check_outbox(session: Session) -> CheckResult:
    """Each dossier this counter received has its outbox op and each op its dossier (one transaction)."""
    result = CheckResult("outbox", _("Hồ sơ và hàng đợi đồng bộ"))
    result.examined = int(session.scalar(text("SELECT count(*) FROM outbox")) or 0)
    local = (
        "EXISTS (SELECT 1 FROM code_sequences s WHERE s.agency_code = substr(d.code, 1, length(d.code) - 12) "
        "AND s.day = '20' || substr(d.code, -11, 2) || '-' || substr(d.code, -9, 2) || '-' || "
        "substr(d.code, -7, 2) "
        "AND s.slot = CAST(substr(d.code, -4, 1) AS INTEGER))"
    )
    without_op = [
        str(r[0])
        for r in session.execute(
            text(
                # A dossier that came back by pull (another desk's, or this desk's own that a restored
                # database had forgotten) never had an outbox op here.
                f"SELECT d.code FROM dossiers d WHERE {local} AND d.origin <> 'pulled' AND NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.entity_id = d.id AND o.kind = 'dossier.received')"
            )
        )
    ]
    if without_op:
        result.findings.append(
            Finding(
                "outbox",
                "error",
                _(
                    "{count} hồ sơ tiếp nhận tại quầy này không có bản ghi chờ gửi lên hệ thống trung tâm."
                ).format(count=len(without_op)),
                tuple(sorted(without_op)[:MAX_LISTED]),
            )
        )
    orphans = [
        str(r[0])
        for r in session.execute(
            text(
                "SELECT o.op_id FROM outbox o WHERE o.kind LIKE 'dossier.%' "
                "AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.id = o.entity_id)"
            )
        )
    ]
    if orphans:
        result.findings.append(
            Finding(
                "outbox",
                "error",
                _("{count} bản ghi chờ gửi thuộc hồ sơ không còn trong cơ sở dữ liệu.").format(
                    count=len(orphans)
                ),
                tuple(orphans[:MAX_LISTED]),
            )
        )
    return result


CHECKS = (check_file, check_audit, check_codes, check_events, check_outbox)


def verify(session: Session) -> VerifyReport:
    """Run every check in one read transaction (a consistent snapshot)."""
    return VerifyReport([check(session) for check in CHECKS])
