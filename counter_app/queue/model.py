"""The queue's values (frozen DTOs) and their JSON form, shared by the server, the client and the UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Final, TypeVar, get_args, get_origin, get_type_hints

from counter_app.i18n import N_

PRIORITY_LABELS: Final = {
    "elderly": N_("Người cao tuổi"),
    "disabled": N_("Người khuyết tật"),
    "pregnant": N_("Phụ nữ mang thai"),
    "supplement": N_("Trở lại bổ sung hồ sơ"),
}
STATE_LABELS: Final = {
    "waiting": N_("Đang chờ"),
    "called": N_("Đang gọi"),
    "serving": N_("Đang tiếp nhận"),
    "parked": N_("Tạm gác"),
    "done": N_("Đã xong"),
    "dropped": N_("Vắng mặt (huỷ)"),
}
DESK_ACTIONS: Final = (
    "next",  # finish the current ticket, call the next one (priority interleaved)
    "recall",  # announce the current ticket again
    "skip",  # no-show: to the end of the queue, dropped after max_misses
    "park",  # the citizen fills in a form; recall later
    "unpark",  # call a parked ticket back to this desk (ticket_id)
    "transfer",  # to another queue (to_line) or desk (to_desk)
    "start",  # start intake (the intake form opens)
    "finish",  # done
    "call",  # out of turn (ticket_id): supervisors only, audited
)
SUPERVISOR_ROLES: Final = ("supervisor", "admin")


@dataclass(frozen=True)
class Ticket:
    """One ticket as the desks, kiosk and citizen see it."""

    id: str
    label: str
    line_prefix: str
    line_name: str
    day: str
    issued_at: str  # naive UTC ISO
    state: str
    priority: str | None = None
    priority_reason: str | None = None
    desk: int | None = None
    target_desk: int | None = None
    misses: int = 0
    follow_token: str = ""

    @property
    def priority_label(self) -> str:
        """Vietnamese name of the priority reason ('' for a normal ticket)."""
        return PRIORITY_LABELS.get(self.priority or "", "")


@dataclass(frozen=True)
class IssuedTicket:
    """A new ticket and how many are waiting ahead of it in its queue."""

    ticket: Ticket
    ahead: int
    agency_name: str = ""
    wait_minutes: int | None = None  # estimate.py: None when the queue's pace is unknown or nobody is ahead


@dataclass(frozen=True)
class LineInfo:
    """A queue and its waiting count."""

    prefix: str
    name: str
    waiting: int = 0


@dataclass(frozen=True)
class DeskView:
    """What a desk's calling panel shows."""

    desk: int
    current: Ticket | None
    parked: tuple[Ticket, ...]
    lines: tuple[LineInfo, ...]
    waiting_here: int = 0  # tickets transferred to this desk
    message: str = ""


@dataclass(frozen=True)
class Call:
    """One call (or recall) on the display's feed; `id` grows, so a display announces each once."""

    id: int
    label: str
    desk: int
    at: str
    action: str


@dataclass(frozen=True)
class Serving:
    """The ticket a desk is calling or serving."""

    desk: int
    label: str
    line_name: str
    state: str


@dataclass(frozen=True)
class DisplayState:
    """The waiting-room display: what each desk serves, the last calls, the queue lengths."""

    serving: tuple[Serving, ...]
    calls: tuple[Call, ...]
    lines: tuple[LineInfo, ...]
    now: str = ""


@dataclass(frozen=True)
class LineStats:
    """Today's figures of one queue."""

    prefix: str
    name: str
    waiting: int
    issued: int
    served: int
    no_shows: int


@dataclass(frozen=True)
class QueueStats:
    """Today's waiting statistics (waits in seconds; a wait ends at the first call)."""

    day: str
    waiting: int
    issued: int
    served: int
    no_shows: int
    average_wait_s: int
    longest_wait_s: int
    lines: tuple[LineStats, ...]
    served_per_desk: dict[str, int] = field(default_factory=dict)
    served_per_clerk: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Follow:
    """A citizen following their ticket (the QR code): state, desk, people ahead."""

    label: str
    line_name: str
    state: str
    ahead: int
    desk: int | None
    wait_minutes: int | None = None  # estimate.py


T = TypeVar("T")


def to_json(value: Any) -> Any:
    """A DTO (or tuple of DTOs) as plain JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _convert(tp: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = get_origin(tp)
    if origin is tuple:
        (inner, _ellipsis) = get_args(tp)
        return tuple(_convert(inner, r) for r in raw)
    if origin is dict:
        return dict(raw)
    for arg in get_args(tp):  # X | None
        if arg is not type(None):
            return _convert(arg, raw)
    if isinstance(tp, type) and is_dataclass(tp):
        return from_json(tp, raw)
    return raw


def from_json(cls: type[T], data: Any) -> T:
    """A DTO from its JSON form (unknown keys ignored, so newer servers stay readable)."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object")
    hints = get_type_hints(cls)
    kwargs = {f.name: _convert(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}  # type: ignore[arg-type]
    return cls(**kwargs)
