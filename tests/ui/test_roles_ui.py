"""Roles in the interface, table-driven: each role signs in and sees exactly the controls it may use.

The core refuses regardless (tests/db/test_roles_core.py); this checks the other half: a control a
role may not use is hidden or disabled, with a note saying who may. One window per role, real widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from counter_app.storage.database import Database
from tests.ui.signed_in import window_as
from ui.main_window import MainWindow

ROLES = ("clerk", "supervisor", "admin")
F5, F6 = 3, 4  # rows of the navigation: Giám sát, Quản trị


def _supervisor_page_open(w: MainWindow) -> bool:
    w.nav.setCurrentRow(F5)
    page = w.supervisor_page
    page.refresh()
    return page.stack.currentWidget() is not page.denied  # the dashboard, reprint approvals, corrections


def _intake_correctable(w: MainWindow) -> bool:
    w.nav.setCurrentRow(F5)
    page = w.supervisor_page
    page.tabs.setCurrentWidget(page.actions)
    page.refresh()
    actions = page.actions
    return page.stack.currentWidget() is not page.denied and actions.correct_button.isEnabled()


def _audit_trail_shown(w: MainWindow) -> bool:
    tab = w.supervisor_page.audit
    tab.refresh()
    return not tab.refusal.isVisibleTo(tab) and tab.export_button.isEnabled()


def _admin_tab(w: MainWindow, name: str) -> object:
    w.nav.setCurrentRow(F6)
    tab = getattr(w.admin_page, name)
    w.admin_page.tabs.setCurrentWidget(tab)
    return tab


def _conflicts_resolvable(w: MainWindow) -> bool:
    tab = _admin_tab(w, "sync_tab")
    return bool(tab.can_resolve) and not tab.role_note.isVisibleTo(tab)  # type: ignore[attr-defined]


def _enrol_enabled(w: MainWindow) -> bool:
    return bool(_admin_tab(w, "sync_tab").enrol_button.isEnabled())  # type: ignore[attr-defined]


def _users_editable(w: MainWindow) -> bool:
    tab = _admin_tab(w, "users_tab")
    return bool(tab.add_button.isEnabled())  # type: ignore[attr-defined]


def _calendar_editable(w: MainWindow) -> bool:
    tab = _admin_tab(w, "calendar_tab")
    return bool(tab.apply_button.isEnabled())  # type: ignore[attr-defined]


def _agency_editable(w: MainWindow) -> bool:
    tab = _admin_tab(w, "agency_tab")
    return bool(tab.save_button.isEnabled())  # type: ignore[attr-defined]


# control → the roles that may use it (the same roles the core allows for the action behind it)
CONTROLS: dict[str, tuple[Callable[[MainWindow], bool], tuple[str, ...]]] = {
    "supervisor page (reprint approval, day close)": (
        _supervisor_page_open,
        ("supervisor", "admin"),
    ),
    "intake data corrections": (_intake_correctable, ("supervisor",)),  # never the admin
    "audit trail and its export": (_audit_trail_shown, ("supervisor", "admin")),
    "resolve sync conflicts": (_conflicts_resolvable, ("supervisor", "admin")),
    "working calendar changes": (_calendar_editable, ("supervisor", "admin")),
    "enrol with the central server": (_enrol_enabled, ("admin",)),
    "user accounts": (_users_editable, ("admin",)),
    "agency identity and printers": (_agency_editable, ("admin",)),
    "catalogue import": (lambda w: w.admin_page.catalogue_tab.import_button.isEnabled(), ("admin",)),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_the_controls_it_may_use(qtbot: QtBot, db: Database, role: str) -> None:
    window = window_as(qtbot, db, role)
    seen = {name: check(window) for name, (check, _allowed) in CONTROLS.items()}
    expected = {name: role in allowed for name, (_check, allowed) in CONTROLS.items()}
    assert seen == expected
