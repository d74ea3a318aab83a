"""Agreement templates: versions, the sandbox, previews and the default templates."""
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.agreements import documents, services
from portal.agreements.models import AgreementTemplate
from tests.agreements import lock_terms, poppler

BODY_ZH = "<h3>第一条 区域</h3><p>{{ partner.company }} 的区域为 {{ terms.territory_names }}，保证金 {{ terms.deposit }} 元。</p>"
BODY_EN = "<h3>1. Territory</h3><p>{{ partner.company }} covers {{ terms.territory_names }}; deposit CNY {{ terms.deposit }}.</p>"


def new_template(client, **overrides):
    data = {"code": "reseller", "name_zh": "分销协议", "name_en": "Reseller agreement", "body_zh": BODY_ZH,
            "body_en": BODY_EN, "save": "Save"}
    data.update(overrides)
    return client.post("/admin/agreement-templates/new", {k: v for k, v in data.items() if v is not None})


def templates_of(code):
    from portal.extensions import db

    return db.session.scalars(sa.select(AgreementTemplate).where(AgreementTemplate.code == code)
                              .order_by(AgreementTemplate.version)).all()


def field_error(html, field):
    match = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


# ---- the default templates ------------------------------------------------------------------------


def test_default_templates_are_created_once_in_both_languages(db):
    created = services.ensure_default_templates()
    db.session.commit()
    assert {t.code for t in created} == {"distributor", "campus-agent"}
    assert services.ensure_default_templates() == []  # idempotent
    distributor = templates_of("distributor")[0]
    assert distributor.name_zh == "经销商/代理商合作协议" and templates_of("campus-agent")[0].name_zh == "校园代理协议"
    for template in created:
        for heading in ("保密", "争议", "保证金", "房屋补贴", "佣金", "期限"):
            assert heading in template.body_zh, (template.code, heading)
        for heading in ("Confidentiality", "Disputes", "deposit", "subsidy", "Commission", "Term and termination"):
            assert heading in template.body_en, (template.code, heading)
        for lang in ("zh", "en"):
            clauses = services.preview_clauses(getattr(template, f"body_{lang}"), lang)
            assert "20,000.10" in clauses and "3.35%" in clauses  # the sample terms reach the clauses


# ---- creating and versioning ----------------------------------------------------------------------


def test_admin_creates_a_template_and_each_edit_makes_a_new_version(client, people, db):
    client.login("admin@test.example")
    response = new_template(client)
    assert response.status_code == 302
    first = templates_of("reseller")[0]
    assert (first.version, first.active, first.created_by_id) == (1, True, people["admin"].id)

    edited = client.post(f"/admin/agreement-templates/{first.id}/edit",
                         {"name_zh": "分销协议", "name_en": "Reseller agreement", "body_zh": BODY_ZH + "<p>新增条款</p>",
                          "body_en": BODY_EN + "<p>A new clause.</p>", "save": "Save"})
    assert edited.status_code == 302
    first_again, second = templates_of("reseller")
    assert (second.version, second.active) == (2, True)
    assert first_again.active is False and first_again.body_zh == BODY_ZH  # the old version is kept as it was
    assert [t.code for t in services.active_templates()] == ["reseller"]
    page = client.get(f"/admin/agreement-templates/{second.id}").get_data(as_text=True)
    assert "version 2" in page and "version 1" in page


def test_saving_an_unchanged_template_makes_no_new_version(client, people, db):
    client.login("admin@test.example")
    new_template(client)
    first = templates_of("reseller")[0]
    response = client.post(f"/admin/agreement-templates/{first.id}/edit",
                           {"name_zh": first.name_zh, "name_en": first.name_en, "body_zh": first.body_zh,
                            "body_en": first.body_en, "save": "Save"})
    assert response.status_code == 400
    assert "Nothing has changed" in response.get_data(as_text=True)
    assert len(templates_of("reseller")) == 1


def test_a_code_already_in_use_is_refused(client, people, db):
    client.login("admin@test.example")
    new_template(client)
    response = new_template(client, name_en="Another")
    assert response.status_code == 400
    assert "already exists" in field_error(response.get_data(as_text=True), "code")


# ---- the sandbox ----------------------------------------------------------------------------------


def test_a_syntax_error_is_an_error_on_its_field(client, people, db):
    client.login("admin@test.example")
    response = new_template(client, body_en="<p>Fine line</p>\n{% if terms.exclusive %}<p>never closed</p>")
    assert response.status_code == 400
    error = field_error(response.get_data(as_text=True), "body_en")
    assert "Line 2" in error and "not well formed" in error
    assert field_error(response.get_data(as_text=True), "body_zh") == ""
    assert templates_of("reseller") == []


ESCAPES = [
    "{{ terms.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ partner.items.__self__ }}",
    "{% for line in terms.lines %}{{ line.__init__.__globals__ }}{% endfor %}",
    "{{ self._TemplateReference__context }}",
    "{{ terms|attr('__class__') }}",
    "{{ terms.lines.append(1) }}",
    "{{ 'x' * 100000000 }}",
]


@pytest.mark.parametrize("body", ESCAPES)
def test_a_template_cannot_reach_python_internals(body, client, people, db):
    client.login("admin@test.example")
    response = new_template(client, body_en=f"<p>Terms</p>\n<p>{body}</p>")
    assert response.status_code == 400
    error = field_error(response.get_data(as_text=True), "body_en")
    assert "Line 2" in error and "tries to use something it may not" in error
    assert templates_of("reseller") == []


@pytest.mark.parametrize("body", ["{{ config }}", "{{ request }}", "{{ url_for('core.home') }}", "{{ cycler }}",
                                  "{{ current_user.email }}", "{{ terms.no_such_term }}"])
def test_the_application_is_not_in_a_templates_reach(body, client, people, db):
    """Nothing of the portal is in scope: names outside the parties and terms are unknown."""
    client.login("admin@test.example")
    response = new_template(client, body_zh=body)
    assert response.status_code == 400
    assert "Unknown placeholder" in field_error(response.get_data(as_text=True), "body_zh")
    assert templates_of("reseller") == []


def test_a_template_sees_only_plain_values(people, make_prospect, reference_data, db):
    prospect = make_prospect("Plain Co", "GD-SZ", owner=people["manager"], stage="negotiating",
                             channel_type_id=reference_data["social"].id)
    sheet = lock_terms(prospect)
    context = documents.build_context(
        "en", number="AG-2026-000001", issued_on=date(2026, 1, 1), kind="original", previous_number="",
        party=documents.party_from_prospect(prospect), terms=documents.terms_from_sheet(sheet),
        vendor=documents.vendor_names())

    def leaves(value, path="context"):
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str)
                yield from leaves(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from leaves(item, f"{path}[{i}]")
        else:
            yield path, value

    for path, value in leaves(context):
        assert type(value) in (str, bool, int, type(None)), f"{path} is a {type(value).__name__}"
    assert context["terms"]["lines"][0]["rate"] == "3.35%"
    assert context["terms"]["deposit"] == "20,000.10"
    assert not isinstance(context["terms"]["deposit"], (float, Decimal))


def test_a_template_cannot_change_what_it_is_given(db):
    context = documents.sample_context("en")
    with pytest.raises(documents.TemplateProblem):
        documents.render_body("{{ terms.update({'deposit': '0.00'}) }}", context)
    assert context["terms"]["deposit"] == "20,000.10"


# ---- previews -------------------------------------------------------------------------------------


def test_preview_fills_a_template_with_sample_terms_in_the_page_and_as_pdf(client, people, db, tmp_path):
    services.ensure_default_templates()
    db.session.commit()
    distributor = templates_of("distributor")[0]
    client.login("admin@test.example")
    page = client.get(f"/admin/agreement-templates/{distributor.id}").get_data(as_text=True)
    srcdoc = re.search(r'<iframe[^>]*sandbox srcdoc="([^"]*)"', page)
    assert srcdoc, "the preview is shown in a sandboxed iframe"
    assert "20,000.10" in srcdoc.group(1) and "3.35%" in srcdoc.group(1)
    assert "Content-Security-Policy" in srcdoc.group(1)  # the preview may fetch nothing

    response = client.get(f"/admin/agreement-templates/{distributor.id}/preview.pdf?language=zh")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "preview.pdf"
    path.write_bytes(response.data)
    text = poppler("pdftotext", path)
    assert "经销商/代理商合作协议" in text and "广东·深圳" in text and "3.35%" in text


def test_preview_of_unsaved_changes_saves_nothing(client, people, db):
    client.login("admin@test.example")
    response = new_template(client, save=None, preview="Preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview with sample terms (not saved)" in html
    assert "20,000.10" in html  # the sample deposit, filled into the posted body
    assert templates_of("reseller") == []


def test_a_problem_in_a_previewed_body_is_shown_on_its_field(client, people, db):
    client.login("admin@test.example")
    response = new_template(client, save=None, preview="Preview", body_zh="{{ terms.__class__ }}")
    assert response.status_code == 400
    assert "tries to use something it may not" in field_error(response.get_data(as_text=True), "body_zh")
