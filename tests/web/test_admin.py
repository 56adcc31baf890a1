"""Admin pages: upload with located problems, campaigns, sites, users, devices, responses, exports, QR."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import uuid
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_engine.store.models import (AuditEntry, Campaign, Invitation, InvitationContact, QuestionnaireVersion, Role,
                                        Site, User)
from tests.web.test_browser import decode_png_qr
from tests.web.helpers import REPO, device_token, login, make_user, window_campaign


@pytest.fixture
def admin(client, db):
    login(client, make_user(db, Role.ADMIN))
    return client


def _upload(client, document: dict | str):
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return client.post("/admin/questionnaires", data={"document": (io.BytesIO(text.encode()), "q.json")},
                       content_type="multipart/form-data")


def test_upload_stores_a_version_once(admin, db):
    """Uploading a valid questionnaire stores one version; uploading it again stores nothing new."""
    text = (REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8")
    assert _upload(admin, text).status_code == 302
    again = _upload(admin, text)
    assert "new=0" in again.headers["Location"]
    assert db.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 1


def test_upload_problems_are_listed_with_their_json_paths(admin):
    """An invalid questionnaire is refused and every problem is shown with its JSON path."""
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    document["sections"][0]["questions"][3]["type"] = "stars"
    del document["title"]
    reply = _upload(admin, document)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "sections[0].questions[3].type" in html and "stars" in html and "title" in html
    broken = _upload(admin, '{"format": 1,')
    assert broken.status_code == 400 and "line 1" in broken.get_data(as_text=True)


def test_create_campaign_site_user_and_device(admin, db):
    """An admin creates a campaign, a site, a user and a device (token shown once, stored hashed)."""
    text = (REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8")
    _upload(admin, text)
    version = db.scalar(select(QuestionnaireVersion))
    reply = admin.post("/admin/campaigns/new", data={"slug": "w2026", "name": "Windows 2026",
                                                     "version": str(version.id), "modes": ["online"]})
    assert reply.headers["Location"].endswith("/admin/campaigns/w2026")
    assert admin.post("/admin/campaigns/new", data={"slug": "w2026", "name": "x", "version": str(version.id),
                                                    "modes": ["online"]}).status_code == 400
    assert admin.post("/admin/campaigns/w2026/sites", data={"code": "hall", "name": "Hall"}).status_code == 302
    db.rollback()  # end the test session's read snapshot (SQLite WAL) to see the app's commits
    assert db.scalar(select(Site.name).where(Site.code == "hall")) == "Hall"
    assert admin.post("/admin/users", data={"username": "li", "password": "long enough pw",
                                            "role": "supervisor"}).status_code == 302
    db.rollback()
    assert db.scalar(select(User.role).where(User.username == "li")) == "supervisor"
    assert admin.post("/admin/users", data={"username": "x", "password": "short", "role": "admin"}).status_code == 400
    page = admin.post("/admin/devices", data={"name": "tablet 7", "user": "0"}).get_data(as_text=True)
    token = re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", page).group(1)
    campaigns = admin.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
    assert campaigns.status_code == 200 and token not in admin.get("/admin/devices").get_data(as_text=True)


@pytest.fixture
def with_responses(client, db):
    window_campaign(db)
    token = device_token(db)
    answers = [{"service_handled": "complaint", "overall": 5, "efficiency": 4},
               {"service_handled": "patent_fee", "overall": 1, "bad_reasons": ["slow", "other"],
                "bad_reasons/other": "排队太久", "followup_consent": "no"}]
    for one in answers:
        reply = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {token}"}, json={
            "uuid": str(uuid.uuid4()), "campaign": "win", "site": "w2", "mode": "online", "answers": one})
        assert reply.status_code == 201, reply.get_json()


def test_responses_list_filter_view_and_review(admin, with_responses):
    """Responses are listed and filtered by status; one is shown with labels and can be approved."""
    listing = admin.get("/admin/responses?campaign=win&status=complete").get_data(as_text=True)
    assert listing.count("/admin/responses/") >= 2
    assert "/admin/responses/" not in admin.get("/admin/responses?status=approved").get_data(as_text=True)
    view = admin.get("/admin/responses/2?lang=zh").get_data(as_text=True)
    assert "非常不满意" in view and "排队太久" in view
    assert admin.post("/admin/responses/2/review", data={"decision": "rejected", "version": "1"}).status_code == 400
    assert admin.post("/admin/responses/2/review", data={"decision": "approved", "version": "1"}).status_code == 302
    stale = admin.post("/admin/responses/2/review", data={"decision": "rejected", "version": "1", "reason": "x"})
    assert stale.status_code == 409  # someone (here: the same reviewer) changed it since version 1
    assert "/admin/responses/2" in admin.get("/admin/responses?status=approved").get_data(as_text=True)


def test_csv_export_has_one_column_per_answer_and_choice(admin, with_responses):
    """The CSV has a column per answer id and per multiple-choice option, and no personal data."""
    reply = admin.get("/admin/responses/export.csv?campaign=win")
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[0]["overall"] == "5" and rows[0]["efficiency"] == "4" and rows[0]["bad_reasons__slow"] == ""
    assert rows[1]["bad_reasons__slow"] == "1" and rows[1]["bad_reasons__long_wait"] == "0"
    assert rows[1]["bad_reasons__other_text"] == "排队太久"
    assert "phone" not in rows[1]


def test_excel_export_has_a_codebook_with_value_labels(admin, with_responses):
    """The workbook has the responses sheet and a codebook listing value labels in both languages."""
    reply = admin.get("/admin/responses/export.xlsx?campaign=win")
    book = load_workbook(io.BytesIO(reply.data))
    assert book.sheetnames == ["responses", "codebook"]
    assert book["responses"].max_row == 3
    codebook = [[cell.value for cell in row] for row in book["codebook"].iter_rows()]
    assert ["overall", "overall"] == codebook[[r[0] for r in codebook].index("overall")][:2]
    assert any(r[0] == "overall" and r[5] == 5 and r[6] == "非常满意" and r[7] == "Very satisfied" for r in codebook)
    assert "phone" not in [r[0] for r in codebook]
    assert admin.get("/admin/responses/export.xlsx").status_code == 400


def test_qr_codes_posters_and_invitation_letters(admin, db, with_responses):
    """QR codes come as PNG and SVG; the poster and the letters are printable pages with codes."""
    png = admin.get("/admin/campaigns/win/qr.png?site=w1")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = admin.get("/admin/campaigns/win/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert admin.get("/admin/campaigns/win/qr.png?site=nope").status_code == 404
    poster = admin.get("/admin/campaigns/win/poster?site=w1").get_data(as_text=True)
    assert "扫码" in poster and "Scan" in poster and "data:image/svg+xml;base64," in poster
    letters = admin.post("/admin/campaigns/win/invitations", data={"site": "0", "contacts": "王五,13900000000,\n赵六,,"})
    html = letters.get_data(as_text=True)
    links = re.findall(r"http://survey\.test/i/([A-Za-z0-9_-]+)", html)
    assert len(set(links)) == 2 and "王五" in html
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Invitation)) == 2
    assert db.scalar(select(InvitationContact.phone).where(InvitationContact.name == "王五")) == "13900000000"
    stored = db.scalars(select(Invitation.token_hash)).all()
    assert not set(links) & set(stored)  # only hashes are kept
    assert admin.get(f"/i/{links[0]}").status_code == 200


def test_letters_offer_each_invitation_code_as_png_and_svg_and_all_as_zip(admin, db):
    """Tokens exist only on the letters page, so its codes are downloadable there, one by one and
    as a ZIP with a links.csv for mail merge."""
    window_campaign(db)
    html = admin.post("/admin/campaigns/win/invitations", data={"site": "0", "count": "3"}).get_data(as_text=True)
    links = re.findall(r"http://survey\.test/i/[A-Za-z0-9_-]+", html)
    pngs = [base64.b64decode(data) for data in re.findall(r'href="data:image/png;base64,([^"]+)" download="', html)]
    svgs = re.findall(r'href="data:image/svg\+xml;base64,([^"]+)" download="invitation-\d+\.svg"', html)
    assert len(set(links)) == 3 and len(pngs) == 3 and len(svgs) == 3
    assert [decode_png_qr(png) for png in pngs] == list(dict.fromkeys(links))
    bundle = re.search(r'href="data:application/zip;base64,([^"]+)" download="invitations-win\.zip"', html)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(bundle.group(1)))) as archive:
        names = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read("links.csv").decode("utf-8-sig"))))
    assert len([n for n in names if n.endswith(".png")]) == 3 and len([n for n in names if n.endswith(".svg")]) == 3
    assert [row[1] for row in rows[1:]] == list(dict.fromkeys(links))


def test_campaign_page_lists_links_for_each_site(admin, db):
    """The campaign page shows the public link of the campaign and of each site."""
    window_campaign(db)
    html = admin.get("/admin/campaigns/win").get_data(as_text=True)
    assert "http://survey.test/s/win/w1" in html and "http://survey.test/s/win/w2" in html
    assert db.scalar(select(Campaign.slug)) == "win"


def test_closing_a_campaign_closes_its_links(admin, db):
    """A closed campaign shows the 'closed' page on its public link; reopening restores it."""
    window_campaign(db)
    admin.post("/admin/campaigns/win/status", data={"status": "closed"})
    assert "closed" in admin.get("/s/win/w1?lang=en").get_data(as_text=True)
    admin.post("/admin/campaigns/win/status", data={"status": "open"})
    assert "Start" in admin.get("/s/win/w1?lang=en").get_data(as_text=True)


def test_spss_and_stata_exports_read_back_with_labels_and_personal_data_only_audited(admin, client, db,
                                                                                      with_responses, tmp_path):
    """The .sav and .dta downloads read back with pyreadstat: values and Chinese value labels; the
    personal-data variant is for admins only and leaves an audit entry."""
    import pyreadstat

    for fmt, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        reply = admin.get(f"/admin/responses/export.{fmt}?campaign=win")
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
        path = tmp_path / f"x.{fmt}"
        path.write_bytes(reply.data)
        frame, meta = read(str(path))
        assert sorted(frame["overall"].tolist()) == [1, 5]
        labels = meta.variable_value_labels[meta.column_names[meta.column_names.index("overall")]]
        assert labels[5] == "非常满意"
    assert admin.get("/admin/responses/export.xml?campaign=win").status_code == 404
    personal = admin.get("/admin/responses/export.sav?campaign=win&personal=1")
    assert personal.status_code == 200
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export_personal")) == 1
    username = make_user(db, Role.ANALYST, "ana")
    client.post("/logout")
    login(client, username)
    assert client.get("/admin/responses/export.sav?campaign=win&personal=1").status_code == 403


def test_invitation_contacts_too_long_for_their_columns_are_refused_with_the_line(admin, db):
    """A phone longer than its column is a form error naming the line (PostgreSQL would refuse the row)."""
    window_campaign(db)
    reply = admin.post("/admin/campaigns/win/invitations", data={"site": "0", "contacts": "王五,139,\n赵六," + "1" * 41})
    assert reply.status_code == 400 and "line 2: phone is longer than 40 characters" in reply.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Invitation)) == 0
