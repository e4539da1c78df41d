"""Deadline engine: working calendar, statutory deadlines, pauses and classification."""

from __future__ import annotations

from counter_app.deadlines.calendar import (
    DayKind,
    DayOverride,
    WorkingCalendar,
    builtin_calendar_dir,
    builtin_calendar_files,
    default_calendar,
    load_calendar_file,
)
from counter_app.deadlines.display import format_day, format_instant, format_working_duration
from counter_app.deadlines.engine import Appointment, Step, StepKind, compute_appointment, explain
from counter_app.deadlines.errors import CalendarFileError, DeadlineError, ExtensionError, WorkingHoursError
from counter_app.deadlines.extension import DeadlineState, Extension, apply_extension
from counter_app.deadlines.hours import DEFAULT_HOURS, Period, WorkingHours
from counter_app.deadlines.recompute import Moved, OpenDossierInput, recompute
from counter_app.deadlines.rules import SAME_DAY_CUTOFF, DeadlineRule, Pause, PauseRule, Unit
from counter_app.deadlines.status import LiveStatus, Timeliness, classify_finished, status_at
from counter_app.deadlines.worktime import WorkingTime, working_time

__all__ = [
    "DEFAULT_HOURS",
    "SAME_DAY_CUTOFF",
    "Appointment",
    "CalendarFileError",
    "DayKind",
    "DayOverride",
    "DeadlineError",
    "DeadlineRule",
    "DeadlineState",
    "Extension",
    "ExtensionError",
    "LiveStatus",
    "Moved",
    "OpenDossierInput",
    "Pause",
    "PauseRule",
    "Period",
    "Step",
    "StepKind",
    "Timeliness",
    "Unit",
    "WorkingCalendar",
    "WorkingHours",
    "WorkingHoursError",
    "WorkingTime",
    "apply_extension",
    "builtin_calendar_dir",
    "builtin_calendar_files",
    "classify_finished",
    "compute_appointment",
    "default_calendar",
    "explain",
    "format_day",
    "format_instant",
    "format_working_duration",
    "load_calendar_file",
    "recompute",
    "status_at",
    "working_time",
]
