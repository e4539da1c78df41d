"""Department transitions (API, web page), role checks, the public status page, problem+json errors."""

from __future__ import annotations

import re

from conftest import AGENCY, OTHER_AGENCY, Api
from ops_factory import code_of, event, push_body, received

from counter_app.sync import protocol as p

CODE = code_of(AGENCY, 1, 1)


def _dossier_in_processing(api: Api) -> dict:
    counter = api.counter()
    rec = received(AGENCY, CODE, name="Lò Thị Ưng", id_number="001190012345")
    ops = [rec, event(rec.entity_id, CODE, "processing", 2, 4)]
    resp = api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], ops), headers=counter["headers"]
    )
    assert [r["result"] for r in resp.json()["results"]] == ["applied", "applied"]
    return counter


def _transition(api: Api, headers: dict, to: int, reason: str = "", code: str = CODE):
    return api.client.post(
        f"/api/v1/dept/dossiers/{code}/transition", json={"to": to, "reason": reason}, headers=headers
    )


def test_dept_result_ready_reaches_the_counter_by_pull(api: Api) -> None:
    counter = _dossier_in_processing(api)
    officer = api.user("can.bo", "officer")
    resp = _transition(api, officer, 9)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["action"] == "result_ready" and body["dossier"]["status"] == 9
    assert body["dossier"]["finished_at"] is not None
    changes = api.client.get("/api/v1/sync/pull", headers=counter["headers"]).json()["changes"]
    last = changes[-1]["data"]
    assert last["status"] == 9 and last["events"][-1]["source"] == "department"
    assert last["events"][-1]["user"] == "can.bo" and last["version"] == 3


def test_dept_reason_required_and_roles_checked(api: Api) -> None:
    _dossier_in_processing(api)
    officer = api.user("can.bo", "officer")
    head = api.user("lanh.dao", "head")
    missing = _transition(api, officer, 5)
    assert missing.status_code == 400 and "lý do" in missing.json()["detail"]
    assert _transition(api, officer, 5, "Thiếu giấy chứng sinh").status_code == 200
    stop = _transition(api, officer, 8, "Hồ sơ giả mạo")
    assert stop.status_code == 403 and stop.json()["code"] == p.ERR_FORBIDDEN
    assert _transition(api, head, 8, "Hồ sơ giả mạo").status_code == 200
    again = _transition(api, head, 9)
    assert again.status_code == 409 and again.json()["code"] == p.ERR_INVALID_STATUS


def test_dept_user_sees_and_acts_only_in_own_agency(api: Api) -> None:
    _dossier_in_processing(api)
    stranger = api.user("nguoi.la", "officer", agency=OTHER_AGENCY)
    admin = api.user("quan.tri", "admin", agency=OTHER_AGENCY)
    assert api.client.get("/api/v1/dept/dossiers", headers=stranger).json()["dossiers"] == []
    assert _transition(api, stranger, 9).status_code == 403
    listed = api.client.get("/api/v1/dept/dossiers", headers=admin).json()["dossiers"]
    assert [d["code"] for d in listed] == [CODE]
    assert listed[0]["applicant_name"] == "Lò Thị Ưng" and listed[0]["status_name"] == "Đang xử lý"
    assert {a["to"] for a in listed[0]["actions"]} == {5, 6, 9, 8}


def test_dept_wrong_password_or_disabled_user_is_401(api: Api) -> None:
    from central_server.auth import set_user_active

    _dossier_in_processing(api)
    good = api.user("can.bo", "officer")
    assert api.client.get("/api/v1/dept/dossiers", auth=("can.bo", "sai mật khẩu")).status_code == 401
    resp = api.client.get("/api/v1/dept/dossiers")
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Basic")
    set_user_active(api.engine, "can.bo", False)
    assert api.client.get("/api/v1/dept/dossiers", headers=good).status_code == 401


def test_dept_web_page_lists_dossiers_and_applies_an_action(api: Api) -> None:
    _dossier_in_processing(api)
    officer = api.user("can.bo", "officer")
    page = api.client.get("/dept", headers=officer)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for text in (
        CODE,
        "Lò Thị Ưng",
        "Đăng ký khai sinh",
        "Đang xử lý",
        "Đã có kết quả",
        'action="/dept/transition"',
    ):
        assert text in html
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
    forged = api.client.post(
        "/dept/transition",
        data={"code": CODE, "to": "9", "csrf": "0" * 32},
        headers=officer,
        follow_redirects=False,
    )
    assert forged.status_code == 403
    done = api.client.post(
        "/dept/transition",
        data={"code": CODE, "to": "9", "csrf": token},
        headers=officer,
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = api.client.get(done.headers["location"], headers=officer).text
    assert "Đang xử lý → Đã xử lý xong" in after
    assert "<td>Đã xử lý xong</td>" in after


def test_dept_web_page_escapes_html(api: Api) -> None:
    counter = api.counter()
    rec = received(AGENCY, CODE, name="<script>alert(1)</script>")
    api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], [rec]), headers=counter["headers"]
    )
    html = api.client.get("/dept", headers=api.user("can.bo", "officer")).text
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_public_page_masks_the_name_and_hides_personal_data(api: Api) -> None:
    _dossier_in_processing(api)
    for url in (f"/tra-cuu/{CODE}", f"/tra-cuu-ho-so?ma={CODE}"):
        resp = api.client.get(url)
        assert resp.status_code == 200 and "charset=utf-8" in resp.headers["content-type"]
        html = resp.text
        assert "L* T** Ư**" in html and "Lò Thị Ưng" not in html
        assert "001190012345" not in html and "0912345678" not in html and "Bản Púng" not in html
        assert "Đăng ký khai sinh" in html and "Đang xử lý" in html
        assert "03/03/2025 09:00" in html  # received 02:00 UTC = 09:00 in Vietnam
        assert "05/03/2025 16:00" not in html and "06/03/2025 16:00" in html  # the appointment moved


def test_public_page_unknown_code_is_a_friendly_404(api: Api) -> None:
    resp = api.client.get("/tra-cuu/KHONG-CO-MA")
    assert resp.status_code == 404 and "Không tìm thấy hồ sơ" in resp.text and "KHONG-CO-MA" in resp.text


def test_errors_are_problem_json_with_the_protocol_header(api: Api) -> None:
    counter = api.counter()
    cases = [
        api.client.get("/api/v1/khong-co"),
        api.client.delete("/api/v1/sync/head"),
        api.client.post("/api/v1/enrol", json={"counter_uuid": "x"}),
        api.client.post("/api/v1/enrol", content=b"{not json", headers={"Content-Type": "application/json"}),
        api.client.get("/api/v1/sync/pull?since=abc", headers=counter["headers"]),
    ]
    assert [r.status_code for r in cases] == [404, 405, 400, 400, 400]
    for resp in cases:
        assert resp.headers["content-type"] == p.PROBLEM_MEDIA_TYPE
        assert resp.headers[p.PROTOCOL_HEADER] == "1"
        body = resp.json()
        assert (
            body["code"] in ("not_found", "method_not_allowed", "bad_request")
            and "Traceback" not in resp.text
        )
    assert api.client.get("/api/v1/sync/head").headers[p.PROTOCOL_HEADER] == "1"
    assert api.client.get(f"/tra-cuu/{CODE}").headers[p.PROTOCOL_HEADER] == "1"
