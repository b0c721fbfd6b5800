"""Small things a first user noticed: the time-zone select, the footer's emergency number."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_time_zone_select_starts_with_the_likely_zones(client_for, patient):
    page = client_for(patient).get(reverse("hospitals:hospital-register")).content.decode()
    select = page[page.index('name="time_zone"'):page.index("</select>", page.index('name="time_zone"'))]
    options = [part.split('"')[0] for part in select.split('<option value="')[1:]]
    assert options[:4] == ["Asia/Dhaka", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Thimphu"]
    assert options.index("Africa/Abidjan") > options.index("Europe/London") > options.index("Asia/Singapore")
    assert len(options) == len(set(options)) > 300  # every zone still offered, once
    assert 'selected' in select[:select.index("Asia/Kolkata")]  # Dhaka chosen by default


def test_footer_gives_bangladeshs_emergency_number(client):
    page = client.get(reverse("home")).content.decode()
    assert "In an emergency call 999" in page and "local emergency number" not in page
