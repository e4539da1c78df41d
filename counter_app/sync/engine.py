"""One sync round with the central server: probe, push the outbox, then pull the agency's changes.

- Every database step is one short write transaction, never held across an HTTP call; all of them go
  through `run_db`, so the desktop can route them through its single serial DB worker.
- Push: FIFO batches of the ops that existed when the round started; each batch is claimed ('sent',
  attempts + 1) in one transaction and its per-op results recorded in another. A crash in between
  leaves ops 'sent'; the next round simply sends them again (the server answers 'duplicate').
- Pipeline: one HTTP call at a time, made from a sender thread; while the server works on batch k+1, one
  transaction records batch k's answer and claims batch k+2, made into wire ops before k+1's answer
  arrives. The claim stops before the first op of a dossier in the batch in flight, so a dossier's ops
  are never in two unanswered batches (its next ops go once that answer is recorded) and the server
  sees every op in outbox order.
- Adaptive batch: starts at the setting (500), halves on 413 or a timeout (down to 1), grows back by a
  quarter after each acknowledged batch.
- Pull: pages after the cursor, each page applied together with its new cursor in one transaction.
- A changed server epoch, a 410, or a server whose newest sequence is below our cursor means the server
  went back (restored): the cursor is reset, every acknowledged op is queued again (the server answers
  'duplicate' for those it kept) and everything is pulled again. Unsent work is never touched.
- Audit anchor: after the outbox, if this desk's audit chain head moved since the server last
  acknowledged one, an `audit.anchor` op with the head is pushed on its own (not via the outbox: only
  the newest head matters, and it must not count in the queue the clerk sees). Its op_id is derived
  from (counter, last id, head hash), so a resend after a lost answer is a duplicate, and a restored
  database whose audit ids were reused with other content gets a fresh op_id instead of a refusal.
- Code hold: a round that completed (the pull reached the server's head) lifts a hold put by a
  restore (`codes.hold_codes`): the pull brought back this desk's own dossiers and raised the code
  sequences past them. Audited by `codes.release_hold(how="synced")`.
- Cancel ("Huỷ" on a manual round): a `JobControl` passed to `run_once` is asked after each push answer
  (before the next batch is sent) and between two pulled pages, never mid-batch: the answered batch is
  recorded, the claimed next batch goes back to 'pending', the cursor stays at the last applied page. No
  back-off, no error; the rest goes with the next round.
- Transient failures: the in-flight ops become 'failed' (a batch claimed behind them goes back to
  'pending': it was never sent) and the next automatic round waits a full-jitter exponential back-off
  (1 s … 5 min), at least the server's Retry-After. Fatal ones (revoked, too old) stop automatic rounds
  until someone acts.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counter_app import settings
from counter_app.clock import Clock
from counter_app.crashpoints import crash_point
from counter_app.errors import Cancelled
from counter_app.i18n import _
from counter_app.ids import uuid7
from counter_app.jobs import JobControl
from counter_app.services import codes, outbox
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry, Dossier
from counter_app.sync import conflicts, protocol, pull, push, state
from counter_app.sync.client import SyncClient
from counter_app.sync.errors import BatchTooLarge, Fatal, MustRefetch, SyncError, Transient
from counter_app.sync.state import Enrolment

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_BASE_S: Final = 1.0
BACKOFF_CAP_S: Final = 300.0
# The namespace of audit-anchor op ids (uuid5 of "counter_id:last_id:head_hash").
ANCHOR_NAMESPACE: Final = uuid.UUID("6f1d6c2e-3a51-5b7e-9d0c-2f64a8e1b7c3")


class RunDb(Protocol):
    """Runs one database step (a function of a Session) in its own short write transaction and returns
    its result, or raises its exception after rolling back. The default opens `db.write()`; the desktop
    passes a function that submits the step to its single serial DB worker and waits for it, e.g.
    `lambda fn: runner.submit_db(lambda: with_write(fn)).result()` — called from the sync thread, never
    from the GUI thread."""

    def __call__(self, fn: Callable[[Session], T], /) -> T: ...


ClientFactory = Callable[[Enrolment], SyncClient]


def default_client(enrolment: Enrolment) -> SyncClient:
    """The HTTP client for an enrolment (its server, token and CA bundle)."""
    return SyncClient(enrolment.server_url, token=enrolment.token, ca_bundle=enrolment.ca_bundle or None)


def backoff_delay(failures: int, rng: random.Random, retry_after: float | None = None) -> float:
    """Seconds to wait after `failures` transient failures in a row: full jitter, at least Retry-After."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, min(failures, 30) - 1))
    return max(rng.uniform(0, ceiling), retry_after or 0.0)


@dataclass
class SyncReport:
    """What one round did, for the status bar, the CLI and the logs."""

    enrolled: bool = True
    reached_server: bool = False
    pushed: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    quarantined: int = 0
    held: int = 0
    pulled: int = 0
    inserted: int = 0
    updated: int = 0
    kept_local: int = 0
    events_added: int = 0
    refused: int = 0
    refetched: bool = False
    cancelled: bool = False  # stopped by the clerk between two batches or pages
    requeued: int = 0
    anchored: int = 0  # audit.anchor ops acknowledged by the server
    hold_released: bool = False
    cursor: int = 0
    depth: int = 0
    conflicts_open: int = 0
    batch_size: int = 0
    skew_seconds: float | None = None
    skew_warning: bool = False
    error: str = ""
    error_kind: str = ""  # "transient" | "fatal" | ""
    error_code: str = ""
    retry_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    quarantined_ops: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The server was reached and the round completed without an error."""
        return self.enrolled and self.reached_server and not self.error and not self.cancelled

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (instants as ISO text)."""
        data = asdict(self)
        for key in ("retry_at", "started_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["ok"] = self.ok
        return data


@dataclass(frozen=True)
class _Batch:
    """Claimed ops ('sent'), the request made of them, the size they were claimed with, and whether
    more ops may follow them."""

    ops: list[outbox.OutboxOp]
    size: int
    more: bool
    request: protocol.PushRequest


class _Flight:
    """A batch being posted from its own daemon thread (an app that quits does not wait for it)."""

    def __init__(self, client: SyncClient, batch: _Batch) -> None:
        self.batch = batch
        self._answer: Future[protocol.PushResponse] = Future()
        threading.Thread(target=self._post, args=(client,), name="sync-push", daemon=True).start()

    def _post(self, client: SyncClient) -> None:
        try:
            self._answer.set_result(client.push(self.batch.request))
        except BaseException as exc:  # raised again in the sync thread by result()
            self._answer.set_exception(exc)

    def result(self) -> protocol.PushResponse:
        """The server's answer, or the call's exception."""
        return self._answer.result()

    def wait(self) -> None:
        """Wait until the call has ended, with an answer or an exception."""
        wait((self._answer,))


@dataclass(frozen=True)
class _Context:
    enrolment: Enrolment | None
    values: dict[str, str]
    last_op_id: int
    depth: int  # ops waiting when the round started (the push's total)
    batch_setting: int
    pull_limit: int
    skew_limit: int


class SyncEngine:
    """Runs sync rounds for one counter database. Thread-safe: one round at a time."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        client_factory: ClientFactory | None = None,
        *,
        run_db: RunDb | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.client_factory = client_factory or default_client
        self._run_db: RunDb = run_db or self._write
        self.rng = rng or random.Random()
        self.batch_size: int | None = None  # adaptive; None until the first round reads the setting
        self.last_progress = time.monotonic()  # the worker's watchdog reads this
        self._lock = threading.Lock()
        self._inflight: list[int] = []  # ops of the batch sent and not answered yet
        self._claimed: list[int] = []  # ops claimed ('sent') for the next batch, not sent yet
        self._control: JobControl | None = None

    def _write(self, fn: Callable[[Session], T]) -> T:
        with self.db.write() as session:
            return fn(session)

    def _db(self, fn: Callable[[Session], T]) -> T:
        self.last_progress = time.monotonic()
        try:
            return self._run_db(fn)
        finally:
            self.last_progress = time.monotonic()

    # -- the round ---------------------------------------------------------------------------------

    def run_once(self, control: JobControl | None = None) -> SyncReport:
        """One round now (ignores the back-off; the worker checks `due` first). `control` shows its
        progress and may stop it between two batches or pages (the report says `cancelled`)."""
        with self._lock:
            self._control = control
            report = SyncReport(started_at=self.clock.now_utc())
            ctx = self._db(self._context)
            if ctx.enrolment is None:
                report.enrolled = False
                report.error = _("Quầy chưa đăng ký với máy chủ trung tâm (làm việc độc lập)")
                return report
            self.batch_size = min(self.batch_size or ctx.batch_setting, ctx.batch_setting)
            client = self.client_factory(ctx.enrolment)
            try:
                try:
                    self._round(client, ctx, report)
                except MustRefetch:
                    # The server went back in the middle of the round: start over once, from zero.
                    self._refetch(client, None, report)
                    self._round(client, self._db(self._context), report, probe=False)
            except Cancelled:
                self._db(partial(self._cancelled, report))
            except (BatchTooLarge, MustRefetch) as exc:
                self._db(partial(self._failed, Transient(exc.message, code=exc.code), report))
            except (Transient, Fatal) as exc:
                self._db(partial(self._failed, exc, report))
            else:
                self._db(partial(self._succeeded, report))
            finally:
                client.close()
                self._inflight, self._claimed = [], []
                self._control = None
            report.batch_size = self.batch_size
            log.info("sync round: %s", report.to_json())
            return report

    def _context(self, session: Session) -> _Context:
        return _Context(
            state.load_enrolment(session),
            state.get_all(session),
            outbox.last_id(session),
            outbox.depth(session),
            settings.get(session, settings.SYNC_BATCH_SIZE),
            settings.get(session, settings.SYNC_PULL_LIMIT),
            settings.get(session, settings.SKEW_WARNING_SECONDS),
        )

    def _round(self, client: SyncClient, ctx: _Context, report: SyncReport, *, probe: bool = True) -> None:
        assert ctx.enrolment is not None
        epoch = ctx.values.get(state.SERVER_EPOCH, "")
        cursor = state.as_int(ctx.values, state.PULL_CURSOR)
        if probe:
            head = self._call(client.head, report)
            self._saw(head.server_time, report, ctx.skew_limit)
            if not head.protocol_min <= protocol.PROTOCOL_VERSION <= head.protocol_max:
                raise Fatal(
                    _("Phiên bản phần mềm không còn tương thích với máy chủ; hãy cập nhật phần mềm"),
                    code=protocol.ERR_PROTOCOL,
                )
            if (epoch and head.server_epoch != epoch) or head.last_seq < cursor:
                self._refetch(client, head.server_epoch, report)
                ctx = self._db(self._context)
                epoch, cursor = head.server_epoch, 0
            elif not epoch:
                epoch = head.server_epoch
                self._db(lambda s: state.put(s, self.clock.now_utc(), **{state.SERVER_EPOCH: epoch}))
        self._push(client, ctx, report)
        self._anchor(client, ctx, report)
        self._pull(client, ctx, report, epoch or None, cursor)

    def _call(self, fn: Callable[[], T], report: SyncReport) -> T:
        self.last_progress = time.monotonic()
        try:
            result = fn()
        finally:
            self.last_progress = time.monotonic()
        report.reached_server = True
        return result

    def _saw(self, server_time: str, report: SyncReport, skew_limit: int) -> None:
        """Note the server's clock: skew = server time − our time, in seconds."""
        try:
            theirs = state.parse_instant(server_time)
        except ValueError:
            return
        if theirs is not None:
            report.skew_seconds = round((theirs - self.clock.now_utc()).total_seconds(), 1)
            report.skew_warning = abs(report.skew_seconds) > skew_limit

    # -- push ----------------------------------------------------------------------------------------

    def _push(self, client: SyncClient, ctx: _Context, report: SyncReport) -> None:
        """Send this round's ops, pipelined: while the server works on one batch, the answer to the
        previous one is recorded and the next one claimed and encoded (one HTTP call at a time)."""
        assert self.batch_size is not None
        self._pushed(report, ctx)
        answered: tuple[_Batch, protocol.PushResponse] | None = None  # answered, not yet recorded
        ready: _Batch | None = None  # claimed, not yet sent
        more = True  # this round's ops may not all be claimed yet
        flight: _Flight | None = None
        try:
            while True:
                flight = self._send(client, ready) if ready is not None and ready.ops else None
                ready = None
                if answered is not None or more:
                    flying = flight.batch.ops if flight else []
                    ready = self._settle(ctx, report, answered, self.batch_size if more else 0, flying)
                    answered, more = None, ready is not None and ready.more
                if flight is None:
                    if ready is not None and ready.ops:
                        continue
                    return
                answered = self._answer(flight, ctx, report)
                if answered is None:  # too large: everything claimed went back; start again, smaller
                    ready, more = None, True
        finally:
            if flight is not None:
                flight.wait()  # a failed step here never leaves a call running behind the round

    def _send(self, client: SyncClient, batch: _Batch) -> _Flight:
        """Post a claimed batch from its own thread (the server sees batches in claim order)."""
        self._inflight, self._claimed = [op.id for op in batch.ops], []
        return _Flight(client, batch)

    def _answer(
        self, flight: _Flight, ctx: _Context, report: SyncReport
    ) -> tuple[_Batch, protocol.PushResponse] | None:
        """Wait for the batch in flight; None if it was too large (what was claimed is pending again)."""
        batch = flight.batch
        try:
            response = self._call(flight.result, report)
        except BatchTooLarge:
            if batch.size == 1:
                raise Transient(
                    _(
                        "Một thao tác lớn hơn giới hạn của máy chủ; hãy báo quản trị kiểm tra giới hạn kích thước"
                    ),
                    code=protocol.ERR_BATCH_TOO_LARGE,
                ) from None
            self.batch_size = max(1, batch.size // 2)
            self._release("pending")
            log.info("push: batch of %d too large, now %d", batch.size, self.batch_size)
            return None
        except Transient as exc:
            if exc.timeout:
                self.batch_size = max(1, batch.size // 2)
            raise
        self._inflight = []
        self._saw(response.server_time, report, ctx.skew_limit)
        crash_point("sync_after_send_before_ack")  # the server applied the batch; nothing recorded here
        self.batch_size = min(ctx.batch_setting, batch.size + max(1, batch.size // 4))
        report.pushed += len(batch.ops)
        try:
            self._pushed(report, ctx)  # a cancel here: this answer is recorded, the claimed batch waits
        except Cancelled:
            self._settle(ctx, report, (batch, response), 0, [])
            raise
        return batch, response

    def _settle(
        self,
        ctx: _Context,
        report: SyncReport,
        answered: tuple[_Batch, protocol.PushResponse] | None,
        size: int,
        in_flight: list[outbox.OutboxOp],
    ) -> _Batch | None:
        """One short transaction: record an answered batch, then claim the next `size` ops (none when 0)
        up to the first one of an entity `in_flight` (the batch sent meanwhile); returns the claimed batch."""
        stats, claimed = self._db(partial(self._recorded, answered, size, in_flight, ctx.last_op_id))
        if stats is not None:
            report.applied += stats.applied
            report.duplicate += stats.duplicate
            report.conflict += stats.conflict
            report.rejected += stats.rejected
            report.quarantined += stats.quarantined
            report.held += stats.held
            report.quarantined_ops.extend(stats.quarantined_ops)
        if claimed is None:
            return None
        report.held += claimed.held
        self._claimed = [op.id for op in claimed.ops]
        assert ctx.enrolment is not None
        wire = tuple(push.to_wire(op) for op in claimed.ops)
        request = protocol.PushRequest(ctx.enrolment.counter_id, uuid7(), wire)
        return _Batch(claimed.ops, size, claimed.more, request)

    def _pushed(self, report: SyncReport, ctx: _Context) -> None:
        if self._control is not None:
            total = max(ctx.depth, report.pushed)
            self._control.say(
                _("Đang gửi lên máy chủ: {done}/{total} thao tác").format(done=report.pushed, total=total)
            )
            self._control.step(report.pushed, total)

    def _recorded(
        self,
        answered: tuple[_Batch, protocol.PushResponse] | None,
        size: int,
        in_flight: list[outbox.OutboxOp],
        up_to_id: int,
        session: Session,
    ) -> tuple[push.PushStats | None, push.Claimed | None]:
        """Record an answered batch's results (if any), then claim the next `size` ops (none when 0)."""
        stats = None
        if answered is not None:
            batch, response = answered
            stats = push.record_results(session, self.clock, batch.ops, response.results)
            if stats.applied or stats.duplicate:
                state.put(session, self.clock.now_utc(), **{state.LAST_ACK_AT: self.clock.now_utc()})
        return stats, _claim(size, up_to_id, in_flight, session) if size else None

    # -- audit anchor --------------------------------------------------------------------------------

    def _anchor(self, client: SyncClient, ctx: _Context, report: SyncReport) -> None:
        """Push the audit chain's head if it moved since the server last acknowledged one."""
        assert ctx.enrolment is not None
        head = self._db(_audit_head)
        if head is None:
            return
        last_id, head_hash = head
        if (
            state.as_int(ctx.values, state.AUDIT_ANCHOR_LAST_ID, -1) == last_id
            and ctx.values.get(state.AUDIT_ANCHOR_HASH) == head_hash
        ):
            return
        counter_id = ctx.enrolment.counter_id
        payload = outbox.canonical_json({"last_id": last_id, "head_hash": head_hash})
        op = protocol.WireOp(
            op_id=str(uuid.uuid5(ANCHOR_NAMESPACE, f"{counter_id}:{last_id}:{head_hash}")),
            seq=ctx.last_op_id,
            kind=protocol.OP_AUDIT_ANCHOR,
            entity_id=counter_id,
            payload=payload,
            payload_sha256=protocol.sha256_text(payload),
            created_at=self.clock.now_utc().isoformat() + "+00:00",
        )
        response = self._call(partial(client.push, protocol.PushRequest(counter_id, uuid7(), (op,))), report)
        self._saw(response.server_time, report, ctx.skew_limit)
        (result,) = response.results
        if not result.acknowledged:
            log.error("sync: the server refused the audit anchor %d: %s", last_id, result.error)
            return
        values: dict[str, state.Value] = {
            state.AUDIT_ANCHOR_LAST_ID: last_id,
            state.AUDIT_ANCHOR_HASH: head_hash,
        }
        self._db(lambda s: state.put(s, self.clock.now_utc(), **values))
        report.anchored += 1

    # -- pull ----------------------------------------------------------------------------------------

    def _pull(
        self, client: SyncClient, ctx: _Context, report: SyncReport, epoch: str | None, cursor: int
    ) -> None:
        assert ctx.enrolment is not None
        enrolment = ctx.enrolment
        scope = pull.Scope(enrolment.counter_id, enrolment.agency_code, enrolment.slot)
        pages = 0
        while True:
            since = cursor
            page = self._call(partial(client.pull, since, ctx.pull_limit, epoch), report)
            self._saw(page.server_time, report, ctx.skew_limit)
            if (epoch and page.server_epoch != epoch) or page.next_since < since:
                raise MustRefetch(
                    _("Máy chủ đã đổi dữ liệu gốc (khôi phục); tải lại"), code=protocol.ERR_MUST_REFETCH
                )
            if page.has_more and page.next_since == since:
                raise Transient(_("Máy chủ trả trang dữ liệu không tiến lên; sẽ thử lại sau"))
            stats = self._db(partial(self._apply_page, page, scope))
            epoch, cursor = page.server_epoch, page.next_since
            report.pulled += len(page.changes)
            report.inserted += stats.inserted
            report.updated += stats.updated
            report.kept_local += stats.kept_local
            report.events_added += stats.events_added
            report.refused += stats.refused
            report.cursor = cursor
            pages += 1
            if not page.has_more:
                return
            if self._control is not None:  # between two pages: the cursor is at the last applied one
                self._control.say(_("Đang nhận từ máy chủ: {pages} trang").format(pages=pages))
                self._control.step(pages, 0)

    def _apply_page(
        self, page: protocol.PullResponse, scope: pull.Scope, session: Session
    ) -> pull.ApplyStats:
        stats = pull.apply_changes(session, self.clock, page.changes, scope)
        crash_point("sync_mid_pull_page")  # the page applied, the cursor not moved, nothing committed
        values: dict[str, state.Value] = {
            state.PULL_CURSOR: page.next_since,
            state.SERVER_EPOCH: page.server_epoch,
        }
        state.put(session, self.clock.now_utc(), **values)
        return stats

    def _release(self, to: str) -> None:
        ids, self._inflight, self._claimed = [*self._inflight, *self._claimed], [], []
        if ids:
            self._db(partial(_release, ids, to))

    # -- refetch -------------------------------------------------------------------------------------

    def _refetch(self, client: SyncClient, epoch: str | None, report: SyncReport) -> None:
        """The server went back: forget the cursor and its versions, send acknowledged ops again."""
        if report.refetched:
            raise Transient(
                _("Máy chủ liên tục yêu cầu tải lại dữ liệu; sẽ thử lại sau"), code=protocol.ERR_MUST_REFETCH
            )
        self._release("pending")
        new_epoch = epoch or self._call(client.head, report).server_epoch

        def reset(session: Session) -> int:
            requeued = outbox.requeue_done(session)
            session.execute(update(Dossier).where(Dossier.server_version > 0).values(server_version=0))
            values: dict[str, state.Value] = {state.PULL_CURSOR: 0, state.SERVER_EPOCH: new_epoch}
            state.put(session, self.clock.now_utc(), **values)
            return requeued

        report.requeued += self._db(reset)
        report.refetched = True
        log.warning(
            "sync: the server went back (epoch %s); %d ops queued again, pulling from 0",
            new_epoch,
            report.requeued,
        )

    # -- bookkeeping ---------------------------------------------------------------------------------

    def _common(self, report: SyncReport) -> dict[str, state.Value]:
        now = self.clock.now_utc()
        values: dict[str, state.Value] = {state.LAST_ATTEMPT_AT: report.started_at or now}
        if report.reached_server:
            values[state.LAST_CONTACT_AT] = now
        if report.skew_seconds is not None:
            values[state.CLOCK_SKEW_SECONDS] = report.skew_seconds
            values[state.LAST_SERVER_TIME] = now + timedelta(seconds=report.skew_seconds)
        return values

    def _finish(self, session: Session, report: SyncReport) -> None:
        values = state.get_all(session)
        report.cursor = state.as_int(values, state.PULL_CURSOR)
        report.depth = outbox.depth(session)
        report.conflicts_open = sum(conflicts.count_open(session).values())
        report.finished_at = self.clock.now_utc()

    def _succeeded(self, report: SyncReport, session: Session) -> None:
        values = self._common(report)
        values.update(
            {
                state.LAST_SUCCESS_AT: self.clock.now_utc(),
                state.LAST_ERROR: "",
                state.LAST_ERROR_KIND: "",
                state.CONSECUTIVE_FAILURES: 0,
                state.NEXT_ATTEMPT_AT: None,
                state.RETRY_AFTER_UNTIL: None,
            }
        )
        state.put(session, self.clock.now_utc(), **values)
        # The pull reached the server's head: this desk's own dossiers are back and the code sequences
        # are past them, so a hold put by a restore can be lifted.
        if codes.code_hold(session):
            synced = state.get_all(session)
            report.hold_released = codes.release_hold(
                session,
                self.clock,
                None,
                "synced",
                {
                    "pull_cursor": state.as_int(synced, state.PULL_CURSOR),
                    "server_epoch": synced.get(state.SERVER_EPOCH, ""),
                },
            )
        self._finish(session, report)

    def _cancelled(self, report: SyncReport, session: Session) -> None:
        """Stopped by the clerk: the claimed batch waits again, no error and no back-off."""
        outbox.release(session, [*self._inflight, *self._claimed], "pending")
        state.put(session, self.clock.now_utc(), **self._common(report))
        report.cancelled = True
        log.info("sync round cancelled after %d ops sent, %d changes received", report.pushed, report.pulled)
        self._finish(session, report)

    def _failed(self, exc: SyncError, report: SyncReport, session: Session) -> None:
        now = self.clock.now_utc()
        values = self._common(report)
        previous = state.get_all(session)
        failures = state.as_int(previous, state.CONSECUTIVE_FAILURES) + 1
        report.error, report.error_code = exc.message, exc.code
        if isinstance(exc, Fatal):
            report.error_kind, retry_at, retry_after = "fatal", None, None
            log.error("sync stopped: %s (%s)", exc.message, exc.code)
        else:
            report.error_kind = "transient"
            retry_after = exc.retry_after if isinstance(exc, Transient) else None
            retry_at = now + timedelta(seconds=backoff_delay(failures, self.rng, retry_after))
            log.warning("sync failed (%d in a row): %s; next attempt %s", failures, exc.message, retry_at)
        report.retry_at = retry_at
        outbox.release(session, self._inflight, "failed", error=exc.message, retry_at=retry_at)
        outbox.release(session, self._claimed, "pending")  # claimed for the next batch, never sent
        values.update(
            {
                state.LAST_ERROR: exc.message,
                state.LAST_ERROR_KIND: report.error_kind,
                state.CONSECUTIVE_FAILURES: failures,
                state.NEXT_ATTEMPT_AT: retry_at,
                state.RETRY_AFTER_UNTIL: now + timedelta(seconds=retry_after) if retry_after else None,
            }
        )
        state.put(session, now, **values)
        self._finish(session, report)

    # -- what the worker and the status bar ask --------------------------------------------------------

    def timing(self) -> tuple[int, int]:
        """The settings `sync.interval_seconds` and `sync.wedge_seconds`, read now."""

        def read(session: Session) -> tuple[int, int]:
            return (
                settings.get(session, settings.SYNC_INTERVAL_SECONDS),
                settings.get(session, settings.SYNC_WEDGE_SECONDS),
            )

        return self._db(read)

    def due(self, now: datetime, *, force: bool = False) -> bool:
        """May an automatic round start now? `force` (the "Đồng bộ ngay" button) skips the back-off and a
        fatal stop, but never a wait the server itself asked for (Retry-After)."""
        values = self._db(state.get_all)
        until = state.as_time(values, state.RETRY_AFTER_UNTIL)
        if until is not None and now < until:
            return False
        if force:
            return True
        if values.get(state.LAST_ERROR_KIND) == "fatal":
            return False
        retry_at = state.as_time(values, state.NEXT_ATTEMPT_AT)
        return retry_at is None or now >= retry_at

    def next_attempt_at(self) -> datetime | None:
        """When the back-off allows the next automatic round (None: now)."""
        values = self._db(state.get_all)
        times = [
            t
            for t in (state.as_time(values, k) for k in (state.NEXT_ATTEMPT_AT, state.RETRY_AFTER_UNTIL))
            if t
        ]
        return max(times) if times else None

    def stalled(self, now: datetime) -> bool:
        """The watchdog: ops wait to be sent, the server answers, yet nothing was acknowledged for
        `sync.stall_minutes` minutes."""

        def check(session: Session) -> bool:
            values = state.get_all(session)
            minutes = settings.get(session, settings.SYNC_STALL_MINUTES)
            contact = state.as_time(values, state.LAST_CONTACT_AT)
            attempt = state.as_time(values, state.LAST_ATTEMPT_AT)
            if contact is None or attempt is None or contact < attempt:
                return False  # the last round did not reach the server: offline, not stalled
            oldest = outbox.oldest_unsent_at(session)
            if oldest is None:
                return False
            since = max(filter(None, (state.as_time(values, state.LAST_ACK_AT), oldest)))
            return now - since > timedelta(minutes=minutes)

        return self._db(check)

    def skew_warning(self) -> str | None:
        """A Vietnamese warning when this PC's clock differs from the server's by more than the setting."""

        def check(session: Session) -> str | None:
            skew = state.as_float(state.get_all(session), state.CLOCK_SKEW_SECONDS)
            return skew_message(skew, settings.get(session, settings.SKEW_WARNING_SECONDS))

        return self._db(check)


def _claim(size: int, up_to_id: int, in_flight: list[outbox.OutboxOp], session: Session) -> push.Claimed:
    blocked = conflicts.open_entities(session)
    return push.claim(session, size, up_to_id=up_to_id, blocked=blocked, in_flight=in_flight)


def _audit_head(session: Session) -> tuple[int, str] | None:
    row = session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def _release(ids: list[int], to: str, session: Session) -> None:
    outbox.release(session, ids, to)


def skew_message(skew: float | None, limit: int) -> str | None:
    """The clock warning for a measured skew (server − local, seconds), or None within `limit`."""
    if skew is None or abs(skew) <= limit:
        return None
    minutes = round(abs(skew) / 60)
    if skew > 0:
        text = _(
            "Đồng hồ máy tính đang chậm khoảng {minutes} phút so với máy chủ; "
            "hãy chỉnh lại ngày giờ của máy để ngày tiếp nhận và ngày hẹn được đúng."
        )
    else:
        text = _(
            "Đồng hồ máy tính đang nhanh khoảng {minutes} phút so với máy chủ; "
            "hãy chỉnh lại ngày giờ của máy để ngày tiếp nhận và ngày hẹn được đúng."
        )
    return text.format(minutes=minutes)
