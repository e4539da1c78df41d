"""Pull against the real server: department updates reach the desk, any desk of the agency sees every dossier."""

from __future__ import annotations

from live_server import LiveServer
from sqlalchemy import select, text

from counter_app.services import intake, workflow
from counter_app.storage.database import Database
from counter_app.storage.models import DossierEvent, Procedure
from counter_app.sync import pull
from counter_app.sync.engine import default_client
from counter_app.sync.status import dossier_sync_state
from tests.sync.synchelp import Counter, dept, stats


def test_department_result_ready_reaches_the_desk(counter: Counter) -> None:
    (code,) = counter.receive(1)
    with counter.db.write() as session:
        workflow.transition(session, counter.clock, code, "processing", counter.desk.clerk_id)
    assert counter.sync().ok
    before = counter.dossier(code)

    dept(counter.server, code, 9)  # the department marks the result ready on the server
    report = counter.sync()
    assert report.ok and report.updated == 1 and report.events_added == 1
    after = counter.dossier(code)
    assert after.status == 9
    assert after.version == before.version + 1  # a form opened before the pull cannot overwrite it
    assert after.server_version > before.server_version
    with counter.db.read() as session:
        detail = intake.get_dossier_by_code(session, code)
        assert detail.status_name == "Đã xử lý xong"
        kinds = [e.kind for e in workflow.dossier_timeline(session, code)]
        assert kinds[-1] == "result_ready"
        assert dossier_sync_state(session, after.id).state == "synced"
    # The desk can now hand the result over, and that reaches the server.
    with counter.db.write() as session:
        workflow.transition(session, counter.clock, code, "returned", counter.desk.clerk_id)
    assert counter.sync().ok
    assert stats(counter.server)["dossiers_by_status"].get("10", 0) >= 1


def test_dossier_received_at_another_desk_is_found_and_returned_here(
    counter: Counter, second_db: Database, central: LiveServer, agency: str
) -> None:
    other = Counter(second_db, central, agency, "Quầy B")
    assert other.enrolment.slot != counter.enrolment.slot
    (code,) = other.receive(1)
    with other.db.write() as session:
        workflow.transition(session, other.clock, code, "processing", other.desk.clerk_id)
    assert other.sync().ok
    dept(central, code, 9)

    report = counter.sync()
    assert report.ok and report.inserted == 1
    here = counter.dossier(code)
    assert (here.origin, here.status) == ("pulled", 9)
    with counter.db.read() as session:  # a scan at this desk finds it, with its papers and history
        detail = intake.get_dossier_by_code(session, code)
        assert detail.applicant.full_name == "Nguyễn Thị Ánh Aa"
        assert len(detail.documents) > 0
        kinds = [e.kind for e in workflow.dossier_timeline(session, code)]
        assert kinds == ["received", "processing", "result_ready"]
        assert dossier_sync_state(session, here.id).state == "synced"

    with counter.db.write() as session:
        workflow.transition(session, counter.clock, code, "returned", counter.desk.clerk_id)
    assert counter.sync().ok
    assert other.sync().ok
    assert other.dossier(code).status == 10
    assert other.dossier(code).returned_at is not None


def test_pull_never_overwrites_local_work_that_is_still_on_its_way(counter: Counter) -> None:
    (code,) = counter.receive(1)
    with counter.db.write() as session:
        workflow.transition(session, counter.clock, code, "processing", counter.desk.clerk_id)
    assert counter.sync().ok
    cursor = counter.sync().cursor
    dept(counter.server, code, 6)  # the server asks for the fee
    # The desk withdraws the dossier meanwhile; its op is still queued when the page arrives.
    with counter.db.write() as session:
        workflow.transition(
            session, counter.clock, code, "withdrawn", counter.desk.clerk_id, reason="Công dân rút"
        )
    client = default_client(counter.enrolment_row())
    page = client.pull(cursor, 100, None)
    client.close()
    scope = pull.Scope(counter.enrolment.counter_id, counter.enrolment.agency_code, counter.enrolment.slot)
    with counter.db.write() as session:
        applied = pull.apply_changes(session, counter.clock, page.changes, scope)
    assert (applied.kept_local, applied.updated, applied.events_added) == (1, 0, 1)
    local = counter.dossier(code)
    assert local.status == 7  # the desk's state stays until the push settles it
    with counter.db.read() as session:
        kinds = [e.kind for e in workflow.dossier_timeline(session, code)]
        assert kinds[-2:] == ["withdrawn", "payment_requested"] or kinds[-2:] == [
            "payment_requested",
            "withdrawn",
        ]
        assert dossier_sync_state(session, local.id).state == "pending"


def test_dossier_of_a_procedure_missing_here_gets_an_inactive_placeholder(
    counter: Counter, second_db: Database, central: LiveServer, agency: str
) -> None:
    other = Counter(second_db, central, agency, "Quầy B")
    (code,) = other.receive(1)
    assert other.sync().ok
    with counter.db.write() as session:  # this desk's catalogue lacks that procedure
        session.execute(text("UPDATE procedures SET code = 'X.000001' WHERE code = '1.004873'"))
    assert counter.sync().ok
    with counter.db.read() as session:
        placeholder = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert placeholder is not None and not placeholder.active
        detail = intake.get_dossier_by_code(session, code)
        assert detail.procedure_code == "1.004873"
        events = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == detail.id)).all()
        assert [e.seq for e in events] == [1]
