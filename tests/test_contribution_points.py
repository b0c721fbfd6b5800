"""A new app adds its staff bar item, dashboard panel and notification event from its own ready(),
without editing another app: tests/throwaway_app is installed for these tests only."""

import pytest
from django.core import mail

from hospitals import dashboard, navigation
from notifications import events
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_new_apps_staff_bar_item_shows_for_its_role_only(throwaway_app, client_for, hospital, pharmacist,
                                                         lab_worker):
    stock_url = f"/manage/{hospital.slug}/stock/"

    pharmacist_page = client_for(pharmacist).get(stock_url).content.decode()
    lab_page = client_for(lab_worker).get(f"/manage/{hospital.slug}/").content.decode()

    assert (f'<a class="nav-link active" aria-current="page" href="{stock_url}">'
            '<i class="bi bi-box-seam me-1" aria-hidden="true"></i>Stock</a>') in pharmacist_page
    assert stock_url not in lab_page


def test_new_apps_panel_shows_on_the_dashboard_of_its_role_with_its_selectors_figures(
        throwaway_app, client_for, hospital, pharmacist, hospital_admin):
    pharmacist_home = client_for(pharmacist).get(f"/manage/{hospital.slug}/").content.decode()
    admin_home = client_for(hospital_admin).get(f"/manage/{hospital.slug}/").content.decode()

    assert (f'<div class="card" data-testid="low-stock">3 medicines running low at {hospital.name} '
            f'(pharmacist, {hospital.slug})</div>') in pharmacist_home
    assert pharmacist_home.index('data-testid="low-stock"') < pharmacist_home.index('data-testid="pharmacy-panel"')
    assert 'data-testid="low-stock"' not in admin_home


def test_new_apps_event_is_notified_and_emailed(throwaway_app, pharmacist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(pharmacist, "stock_low", {"hospital_name": "Green Life", "medicine": "Napa 500"})

    assert Notification.objects.get(pk=notification.pk).title == "Running low at Green Life: Napa 500"
    assert notification.body == "Napa 500 is running low at Green Life."
    assert [message.subject for message in mail.outbox] == ["Running low at Green Life: Napa 500"]


def test_installing_the_new_app_registers_its_contributions_and_uninstalling_removes_them(install_throwaway_app):
    with install_throwaway_app():
        assert "stock" in navigation.NAV_ITEMS and "stock_low" in events.EVENTS
        assert "throwaway/low_stock_panel.html" in dashboard.PANELS

    assert "stock" not in navigation.NAV_ITEMS
    assert "throwaway/low_stock_panel.html" not in dashboard.PANELS
    assert "stock_low" not in events.EVENTS


def test_doctor_home_lists_the_hospitals_card_hospitals_registers(client_for, doctor, hospital):
    page = client_for(doctor).get("/me/").content.decode()

    assert "Your hospitals" in page and hospital.name in page
    assert f'href="/manage/{hospital.slug}/">Open desk</a>' in page


def test_patient_home_shows_no_doctor_card(client_for, patient):
    assert "Your hospitals" not in client_for(patient).get("/me/").content.decode()


def test_once_uninstalled_nothing_the_new_app_registered_anywhere_stays(install_throwaway_app):
    from accounts import orders
    from healthstack import mail
    from payments import payables
    from records import sections, timeline

    with install_throwaway_app():
        timeline.register_timeline_kind("note", label="Notes", template="x.html", entries=lambda *a, **k: [])
        sections.register_record_section("trend", template="x.html", selector=lambda **k: {})
        orders.register_order_source("stock", label="Stock", orders=lambda user: [])
        dashboard.register_role_home("stock_keeper", "stock:list")
        payables.register_payable("stock_order", lambda pk, payer: None, awaiting=lambda payer: [])
        mail.register_attachment("stock_sheet", lambda ref: ("stock.pdf", b"", "application/pdf"))

    assert "note" not in timeline.TIMELINE_KINDS and "trend" not in sections.RECORD_SECTIONS
    assert "stock" not in orders.ORDER_SOURCES
    assert "stock_keeper" not in dashboard.ROLE_HOMES
    assert payables.find_payable("stock_order", 1, None) is None and payables.payables_awaiting_payment(None) == []
    assert "stock_sheet" not in mail._RENDERERS
