"""The one-page summary of a day close (TỔNG HỢP CHỐT SỔ NGÀY), drawn with the forms' printing stack."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter_app.clock import utc_to_local
from counter_app.deadlines import format_instant
from counter_app.printing.dto import AgencyHeader
from counter_app.printing.fonts import BOLD, REGULAR
from counter_app.printing.layout import HeaderBlock, Signature, markup, signature_row, styles, title_block
from counter_app.printing.page import FRAME_WIDTH, Paragraph, render_pdf
from counter_app.printing.vn_format import format_money, place_date_line
from counter_app.services.day_close import DaySummary, SyncAttempt
from counter_app.text import group_thousands

TITLE = "TỔNG HỢP CHỐT SỔ NGÀY"  # i18n: skip
TABLE_SIZE = 10.5
_LABEL_WIDTH = FRAME_WIDTH * 0.72


def _rows(title: str, items: list[tuple[str, str]]) -> list[list[str]]:
    return [[title, ""], *([label, value] for label, value in items)]


def _label(text: str) -> str:
    """A sub-item (written with a leading indent) is drawn indented, after a dash."""
    if text.startswith("   "):
        return "&nbsp;" * 5 + "– " + markup(text.strip())
    return markup(text)


def _figures_table(summary: DaySummary) -> Table:
    n = group_thousands
    early_total, early, on_time, late = summary.finished
    sections = [
        _rows(
            "1. Tiếp nhận trong ngày",  # i18n: skip
            [
                ("Tổng số hồ sơ tiếp nhận", n(summary.received_total)),  # i18n: skip
                (
                    "   Trực tiếp / Trực tuyến / Qua bưu chính",  # i18n: skip
                    " / ".join(n(summary.received[c]) for c in (1, 2, 3)),
                ),
            ],
        ),
        _rows(
            "2. Giải quyết trong ngày",  # i18n: skip
            [
                ("Hồ sơ đã có kết quả", n(early_total)),  # i18n: skip
                ("   Trước hạn / Đúng hạn / Quá hạn", f"{n(early)} / {n(on_time)} / {n(late)}"),  # i18n: skip
                ("Đã trả kết quả cho công dân, tổ chức", n(summary.returned)),  # i18n: skip
                (
                    "Công dân rút hồ sơ / Dừng xử lý (trả lại)",  # i18n: skip
                    f"{n(summary.withdrawn)} / {n(summary.stopped)}",
                ),
            ],
        ),
        _rows(
            "3. Phí, lệ phí",  # i18n: skip
            [
                ("Thu khi tiếp nhận", format_money(summary.fees_at_intake)),  # i18n: skip
                ("Thu khi trả kết quả", format_money(summary.fees_at_return)),  # i18n: skip
                ("Cộng", format_money(summary.fees_at_intake + summary.fees_at_return)),  # i18n: skip
            ],
        ),
        _rows(
            "4. Hồ sơ đang giải quyết (lúc chốt sổ)",  # i18n: skip
            [
                ("Đang xử lý", n(summary.running)),  # i18n: skip
                ("Tạm dừng chờ bổ sung", n(summary.paused)),  # i18n: skip
                (
                    "Quá hạn / Sắp đến hạn (≤ 1 ngày làm việc)",  # i18n: skip
                    f"{n(summary.overdue)} / {n(summary.due_soon)}",
                ),
            ],
        ),
        _rows(
            "5. In giấy tờ và điều chỉnh",  # i18n: skip
            [
                (
                    "In giấy tiếp nhận / In lại",  # i18n: skip
                    f"{n(summary.receipts_printed)} / {n(summary.reprints)}",
                ),
                ("Sửa thông tin tiếp nhận", n(summary.corrections)),  # i18n: skip
                ("Yêu cầu in lại đang chờ duyệt", n(summary.reprint_requests_waiting)),  # i18n: skip
            ],
        ),
    ]
    st = styles(TABLE_SIZE)
    data: list[list[Flowable]] = []
    commands: list[tuple[object, ...]] = []
    for rows in sections:
        for row in rows:
            if row[1] == "" and row is rows[0]:
                commands += [
                    ("SPAN", (0, len(data)), (1, len(data))),
                    ("FONT", (0, len(data)), (1, len(data)), BOLD),
                ]
                commands.append(("BACKGROUND", (0, len(data)), (1, len(data)), "#eeeeee"))
                data.append([Paragraph(f"<b>{markup(row[0])}</b>", st.cell), Paragraph("", st.cell)])
            else:
                data.append(
                    [
                        Paragraph(_label(row[0]), st.cell),
                        Paragraph(markup(row[1]), st.cell_center),
                    ]
                )
    table = Table(data, colWidths=[_LABEL_WIDTH, FRAME_WIDTH - _LABEL_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_SIZE),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                *commands,
            ]
        )
    )
    return table


def _unsent_table(summary: DaySummary) -> Table:
    st = styles(9.5)
    head = ["TT", "Thay đổi", "Mã hồ sơ", "Tạo lúc", "Trạng thái"]  # i18n: skip
    data: list[list[Flowable]] = [[Paragraph(h, st.cell_head) for h in head]]
    for number, op in enumerate(summary.unsent, start=1):
        state = op.state + (f" ({op.attempts} lần)" if op.attempts else "")  # i18n: skip
        data.append(
            [
                Paragraph(str(number), st.cell_center),
                Paragraph(markup(op.kind), st.cell),
                Paragraph(markup(op.code, blank=""), st.cell),
                Paragraph(f"{op.created_local:%d/%m %H:%M}", st.cell_center),
                Paragraph(markup(state), st.cell),
            ]
        )
    table = Table(data, colWidths=[10 * mm, 50 * mm, 58 * mm, 22 * mm, FRAME_WIDTH - 140 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def render(summary: DaySummary, closer_name: str, attempt: SyncAttempt) -> bytes:
    """The day close as a one-page A4 PDF (figures, sync, unsent changes, the closer's signature)."""
    st = styles(TABLE_SIZE, field_gap=2.0)
    identity = summary.identity
    header = AgencyHeader(identity.parent_name, identity.agency_name, identity.place_name)
    now_local = utc_to_local(summary.now_utc)
    sync = summary.sync
    story: list[Flowable] = [
        HeaderBlock(header, place_date_line(identity.place_name, now_local.date())),
        *title_block(f"{TITLE} {summary.day:%d/%m/%Y}", st),
        Paragraph(
            f"Chốt sổ lúc {markup(format_instant(now_local))}, người chốt sổ: {markup(closer_name)}.",  # i18n: skip
            st.body,
        ),
        Spacer(0, 2 * mm),
        _figures_table(summary),
        Spacer(0, 3 * mm),
        Paragraph("<b>6. Đồng bộ với hệ thống trung tâm</b>", st.body),  # i18n: skip
        Paragraph(f"Lần đồng bộ khi chốt sổ: {markup(attempt.message)}", st.body),  # i18n: skip
        Paragraph(
            f"Thay đổi chưa gửi: <b>{group_thousands(sync.queue_depth)}</b>; đồng bộ thành công gần nhất: "  # i18n: skip
            f"{markup(sync.last_success_text)}; xung đột chờ xử lý: {group_thousands(sync.open_conflicts)}.",
            st.body,
        ),
    ]
    if summary.unsent:
        story += [Spacer(0, 1.5 * mm), _unsent_table(summary)]
        more = sync.queue_depth - len(summary.unsent)
        if more > 0:
            story.append(
                Paragraph(
                    f"<i>… và {group_thousands(more)} thay đổi khác chưa gửi.</i>",  # i18n: skip
                    st.note,
                )
            )
    story.append(signature_row([Signature("Người chốt sổ", closer_name)], st))  # i18n: skip
    return render_pdf(
        story,
        title=f"{TITLE} {summary.day:%d/%m/%Y}",
        subject="Chốt sổ ngày",  # i18n: skip
        author=identity.agency_name,
    )
