"""The supervisor's page (Giám sát, F5): dashboard, periodic reports and supervisor actions."""

from ui.pages.supervisor.page import SupervisorPage

__all__ = ["SupervisorPage"]
