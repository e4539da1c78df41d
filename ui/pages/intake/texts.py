"""Vietnamese wording of the intake page: appointment lines, times with weekday, durations."""

from __future__ import annotations

from datetime import datetime

from counter_app.catalogue.schema import ProcedureSpec
from counter_app.deadlines.display import weekday_name
from counter_app.i18n import _, _n
from counter_app.printing.vn_format import two_digits


def when(moment: datetime) -> str:
    """ "09:30 thứ Năm, 26/11/2026" (Chủ nhật keeps its capital)."""
    day = weekday_name(moment.date())
    day = day[0].lower() + day[1:] if day.startswith("Thứ") else day  # i18n: skip
    return f"{moment:%H:%M} {day}, {moment:%d/%m/%Y}"


def duration(spec: ProcedureSpec) -> str:
    """The statutory time as the receipt says it: "05 ngày làm việc", "trong ngày", "15 ngày"."""
    amount = spec.deadline_amount
    number = two_digits(int(amount)) if amount == int(amount) else f"{amount:g}".replace(".", ",")
    count = int(amount) if amount == int(amount) else 2  # a fractional amount reads as a plural
    if spec.deadline_unit == "same_day":
        return _("trong ngày")
    if spec.deadline_unit == "working_days":
        return _n("{number} ngày làm việc", count).format(number=number)
    if spec.deadline_unit == "working_hours":
        return _n("{number} giờ làm việc", count).format(number=number)
    return _n("{number} ngày", count).format(number=number)


def appointment_line(appointment: datetime, spec: ProcedureSpec) -> str:
    """ "Hẹn trả: 09:30 thứ Năm, 26/11/2026 (05 ngày làm việc)"."""
    return _("Hẹn trả: {when} ({duration})").format(when=when(appointment), duration=duration(spec))
