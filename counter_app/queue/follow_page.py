"""The page a citizen's phone opens from the ticket's QR code: the ticket, its queue and its state.

Served by the queue host (`counter-central`, /api/v1/queue/follow/{token}) and, in single-PC mode, by
the small follow server of follow_server.py; both render it here so they say the same thing.
"""

from __future__ import annotations

import html

from counter_app.queue.model import Follow

FOLLOW_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="15">
<title>Số thứ tự {label}</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 1em">
<p>Số thứ tự của quý vị</p><h1 style="font-size: 4em; margin: 0.2em">{label}</h1><p>{line}</p>
<h2>{status}</h2>{wait}<p style="color: #666">Trang tự cập nhật mỗi 15 giây.</p></body></html>"""

NOT_FOUND_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Không tìm thấy</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 1em">
<h2>Không tìm thấy số thứ tự này</h2><p>Số chỉ có giá trị trong ngày.</p></body></html>"""


def follow_status(found: Follow) -> str:
    """One sentence for the citizen (always Vietnamese: the page is for citizens, like the ticket)."""
    if found.state == "waiting":
        return f"Trước quý vị còn {found.ahead} người" if found.ahead else "Quý vị sắp được mời"
    if found.state in ("called", "serving"):
        return f"Mời quý vị đến Quầy {found.desk}"
    if found.state == "parked":
        return "Quý vị đang hoàn thiện giấy tờ; cán bộ sẽ mời lại"
    return "Số này đã được phục vụ hoặc đã huỷ"


def render_follow_page(found: Follow) -> str:
    """The HTML page of one ticket, every value escaped."""
    wait = ""
    if found.state == "waiting" and found.wait_minutes:
        wait = f"<p>Dự kiến chờ khoảng {int(found.wait_minutes)} phút</p>"
    return FOLLOW_PAGE.format(
        label=html.escape(found.label),
        line=html.escape(found.line_name),
        status=html.escape(follow_status(found)),
        wait=wait,
    )
