"""counter-admin queue config|stats: queue.json written (secrets masked on screen), stats of this PC."""

from __future__ import annotations

import json

import pytest

from counter_app.cli.admin import main
from counter_app.queue.config import config_path, load_config


def test_queue_cli_config_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["queue", "config", "--desk", "3", "--lines", "a, b", "--site-key", "bí-mật", "--paper", "58"])
        == 0
    )
    out = capsys.readouterr().out
    assert "bí-mật" not in out and '"site_key": "***"' in out
    cfg = load_config()
    assert (cfg.desk, cfg.lines, cfg.site_key, cfg.paper_mm, cfg.local) == (3, ("A", "B"), "bí-mật", 58, True)
    assert config_path().stat().st_mode & 0o077 == 0  # holds keys: this user only
    assert main(["queue", "stats"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["issued"] == 0 and [line["prefix"] for line in stats["lines"]] == ["A", "B", "C", "D"]
    assert main(["queue", "config", "--url", "ftp://x"]) == 1
    assert load_config().url == ""
