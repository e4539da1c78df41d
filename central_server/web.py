"""Server-rendered HTML in Vietnamese: the department's dossier page and the public status page."""

from __future__ import annotations

import hmac
import unicodedata
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from central_server import db, dept, schema
from central_server.api import ActorDep, engine_of
from central_server.problems import ApiError
from counter_app.clock import utc_to_local
from counter_app.sync import protocol as p

router = APIRouter(include_in_schema=False)
ROLE_NAMES = {"officer": "Cán bộ xử lý", "head": "Lãnh đạo", "admin": "Quản trị"}
_STYLE = """
body{font-family:"Be Vietnam Pro",system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.4rem;margin:0 0 .3rem} table{border-collapse:collapse;width:100%;margin-top:1rem}
th,td{border:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7} tr:nth-child(even) td{background:#fafbfd}
form.act{display:inline-block;margin:0 .3rem .3rem 0} input[type=text]{width:11rem}
button{cursor:pointer} .msg{padding:.5rem .8rem;border-radius:4px;margin:.8rem 0}
.ok{background:#e6f4ea;border:1px solid #9ccc9c} .err{background:#fdecea;border:1px solid #e0a0a0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem} dt{font-weight:600}
.muted{color:#666}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(
        html, status_code=status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    )


def local_text(value: str | None, *, with_time: bool = True) -> str:
    """A stored UTC instant as Vietnamese local time: dd/mm/yyyy HH:MM ("—" when empty)."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    local = utc_to_local(moment)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def mask_name(name: str) -> str:
    """Keep each word's first letter: "Lò Thị Ưng" → "L* T** Ư**"."""
    words = unicodedata.normalize("NFC", name).split()
    return " ".join(w[0] + "*" * (len(w) - 1) for w in words)


def _form_token(secret: str, username: str) -> str:
    return hmac.new(bytes.fromhex(secret), f"dept-form\0{username}".encode(), "sha256").hexdigest()[:32]


def _web_secret(request: Request) -> str:
    with db.read(engine_of(request)) as conn:
        return str(conn.execute(select(schema.server_meta.c.web_secret)).scalar_one())


# -- department page ---------------------------------------------------------------------------------


@router.get("/dept")
def dept_page(
    request: Request,
    actor: ActorDep,
    status: int | None = Query(None),
    after: str | None = Query(None),
    msg: str = Query(""),
    ok: int = Query(1),
) -> Response:
    page = dept.list_dossiers(engine_of(request), actor, status=status, after=after, limit=200)
    token = _form_token(_web_secret(request), actor.username)
    scope = actor.agency_code or "tất cả cơ quan"
    parts = [
        f"<h1>Hồ sơ của {escape(scope)}</h1>",
        f'<p class="muted">Người dùng: {escape(actor.full_name)} ({escape(ROLE_NAMES.get(actor.role, actor.role))})</p>',
    ]
    if msg:
        parts.append(f'<p class="msg {"ok" if ok else "err"}" role="status">{escape(msg)}</p>')
    options = ['<option value="">Tất cả trạng thái</option>'] + [
        f'<option value="{code}"{" selected" if code == status else ""}>{escape(dept.status_name(code))}</option>'
        for code in range(1, 11)
    ]
    parts.append(
        '<form method="get" action="/dept"><label>Lọc theo trạng thái: '
        f'<select name="status">{"".join(options)}</select></label> <button type="submit">Lọc</button></form>'
    )
    rows = []
    for item in page["dossiers"]:
        forms = []
        for a in item["actions"]:
            reason = (
                '<input type="text" name="reason" required placeholder="Lý do (bắt buộc)">'
                if a["needs_reason"]
                else '<input type="text" name="reason" placeholder="Ghi chú">'
            )
            forms.append(
                '<form class="act" method="post" action="/dept/transition">'
                f'<input type="hidden" name="code" value="{escape(item["code"])}">'
                f'<input type="hidden" name="to" value="{a["to"]}">'
                f'<input type="hidden" name="csrf" value="{token}">'
                f'<input type="hidden" name="status_filter" value="{"" if status is None else status}">'
                f'{reason} <button type="submit">{escape(a["label"])}</button></form>'
            )
        rows.append(
            "<tr>"
            f"<td>{escape(item['code'])}</td>"
            f"<td>{escape(item['applicant_name'] or '—')}</td>"
            f"<td>{escape(item['procedure_name'] or item['procedure_code'])}</td>"
            f"<td>{escape(item['status_name'])}</td>"
            f"<td>{escape(local_text(item['appointment_at']))}</td>"
            f"<td>{''.join(forms) or '<span class=muted>—</span>'}</td>"
            "</tr>"
        )
    if rows:
        parts.append(
            "<table><thead><tr><th>Mã hồ sơ</th><th>Người nộp</th><th>Thủ tục</th><th>Trạng thái</th>"
            f"<th>Hẹn trả</th><th>Thao tác</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    else:
        parts.append("<p>Không có hồ sơ nào.</p>")
    if page["next_after"]:
        query = {"after": page["next_after"], **({"status": status} if status is not None else {})}
        parts.append(f'<p><a href="/dept?{escape(urlencode(query))}">Trang sau →</a></p>')
    return _page("Hồ sơ — Phòng ban", "".join(parts))


@router.post("/dept/transition")
async def dept_form(request: Request, actor: ActorDep) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    back: dict[str, Any] = {}
    if form.get("status_filter"):
        back["status"] = form["status_filter"]
    if not hmac.compare_digest(form.get("csrf", ""), _form_token(_web_secret(request), actor.username)):
        raise ApiError(
            403, p.ERR_FORBIDDEN, "Biểu mẫu đã hết hạn hoặc không đến từ trang này; hãy tải lại trang."
        )
    try:
        out = dept.transition(
            engine_of(request), actor, form.get("code", ""), int(form.get("to", "0")), form.get("reason", "")
        )
        back.update(msg=f"Hồ sơ {out.code}: {out.status_from_name} → {out.status_to_name}.", ok=1)
    except ApiError as exc:
        back.update(msg=exc.detail, ok=0)
    except ValueError:
        back.update(msg="Trạng thái đích không hợp lệ.", ok=0)
    return RedirectResponse(f"/dept?{urlencode(back)}", status_code=303)


# -- public status page --------------------------------------------------------------------------------


def _status_page(request: Request, code: str) -> Response:
    code = code.strip()
    d = schema.dossiers.c
    with db.read(engine_of(request)) as conn:
        row = conn.execute(
            select(
                d.code,
                d.procedure_code,
                d.procedure_name,
                d.status,
                d.applicant_name,
                d.received_at,
                d.appointment_at,
                d.finished_at,
                d.returned_at,
            ).where(d.code == code)
        ).first()
    if row is None:
        body = (
            "<h1>Không tìm thấy hồ sơ</h1>"
            f"<p>Không có hồ sơ nào mang mã <strong>{escape(code)}</strong>.</p>"
            "<p>Xin kiểm tra lại mã trên Giấy tiếp nhận và hẹn trả kết quả. Hồ sơ vừa nộp có thể cần một "
            "thời gian để được cập nhật lên hệ thống; nếu cần, xin liên hệ Bộ phận Một cửa nơi đã nộp hồ sơ.</p>"
        )
        return _page("Không tìm thấy hồ sơ", body, status=404)
    fields = [
        ("Mã hồ sơ", row.code),
        ("Thủ tục", row.procedure_name or row.procedure_code),
        ("Người nộp", mask_name(row.applicant_name) or "—"),
        ("Trạng thái", dept.status_name(row.status)),
        ("Ngày tiếp nhận", local_text(row.received_at)),
        ("Ngày hẹn trả kết quả", local_text(row.appointment_at)),
        ("Ngày có kết quả", local_text(row.finished_at)),
        ("Ngày trả kết quả", local_text(row.returned_at)),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields)
    body = (
        "<h1>Tra cứu tình trạng hồ sơ</h1>"
        f"<dl>{items}</dl>"
        '<p class="muted">Thông tin cá nhân được che bớt để bảo vệ người nộp hồ sơ.</p>'
    )
    return _page(f"Hồ sơ {row.code}", body)


@router.get("/tra-cuu/{code}")
def status_page(request: Request, code: str) -> Response:
    return _status_page(request, code)


@router.get("/tra-cuu-ho-so")
def status_page_query(request: Request, ma: str = Query("")) -> Response:
    """The receipt's default QR address form (settings.STATUS_PAGE_URL: …/tra-cuu-ho-so?ma=CODE)."""
    return _status_page(request, ma)
