import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test import override_settings
from django.urls import path, reverse

from config import urls as site_urls

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES_DIR = BASE_DIR / "templates"
VENDOR_DIR = BASE_DIR / "static" / "vendor"

OWN_TEMPLATES = [
    TEMPLATES_DIR / "base.html",
    *sorted((TEMPLATES_DIR / "partials").glob("*.html")),
    *sorted((TEMPLATES_DIR / "errors").glob("*.html")),
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


class SampleForm(forms.Form):
    email = forms.EmailField(help_text="We never share it.")
    blood_group = forms.ChoiceField(choices=[("a+", "A+"), ("o-", "O-")])
    consent = forms.BooleanField(required=False, label="Share my record")
    sex = forms.ChoiceField(choices=[("f", "Female"), ("m", "Male")], widget=forms.RadioSelect)
    photo = forms.ImageField(required=False)


@pytest.mark.django_db
def test_missing_page_renders_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn&#x27;t find that page" in body or "We couldn't find that page" in body
    assert "vendor/bootstrap/css/bootstrap.min.css" in body
    assert "HealthStack" in body


@pytest.mark.django_db
def test_unknown_url_renders_friendly_404_with_debug_on(client, settings):
    # The demo (`make run`) runs with DEBUG on: its visitors get the site's page, not URL patterns.
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn&#x27;t find that page" in body or "We couldn't find that page" in body
    assert "URLconf" not in body
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_unknown_api_url_is_json_404_with_debug_on(client, settings):
    settings.DEBUG = True

    response = client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def _friendly_404(response) -> bool:
    body = response.content.decode()
    return ("We couldn&#x27;t find that page" in body or "We couldn't find that page" in body) and \
        "URLconf" not in body and "Raised by:" not in body and "hospitals/&lt;slug:slug&gt;/" not in body


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_debug_on_mistyped_links_get_the_sites_own_404_page(client):
    # The demo runs with DEBUG on: a mistyped hospital, doctor or department link is a visitor's 404.
    from hospitals.tests.factories import DepartmentFactory, ListedHospitalFactory

    hospital = ListedHospitalFactory(slug="padma-hope")
    DepartmentFactory(hospital=hospital, slug="cardiology", is_active=False)

    for mistyped in ["/hospitals/nonexistent/", "/doctors/9999/", "/hospitals/padma-hope/departments/cardiology/",
                     "/hospitals/padma-hope/departments/no-such-department/", "/no-such-page/"]:
        response = client.get(mistyped)

        assert response.status_code == 404, mistyped
        assert _friendly_404(response), mistyped
        assert "Content-Security-Policy" in response.headers, mistyped


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_debug_on_staff_link_of_an_unknown_hospital_gets_the_sites_own_404_page(client_for, doctor):
    response = client_for(doctor).get("/manage/no-such-hospital/")

    assert response.status_code == 404 and _friendly_404(response)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_debug_on_api_object_not_found_stays_json(client):
    response = client.get("/api/v1/hospitals/no-such-hospital/")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def _broken_view(request):
    raise RuntimeError("a real bug")


urlpatterns = [*site_urls.urlpatterns, path("broken/", _broken_view)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(DEBUG=True)
def test_debug_on_keeps_djangos_debug_page_for_a_server_error(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    assert "a real bug" in response.content.decode() and "Traceback" in response.content.decode()


@pytest.mark.django_db
def test_debug_on_still_appends_a_missing_slash(client, settings):
    settings.DEBUG = True

    response = client.get(reverse("hospitals:hospital-list").rstrip("/"))

    assert response.status_code == 301 and response["Location"] == reverse("hospitals:hospital-list")


@pytest.mark.parametrize(
    "relative",
    [
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "bootstrap-icons/bootstrap-icons.min.css",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
        "htmx/htmx.min.js",
        "chartjs/chart.umd.js",
        "VERSIONS.txt",
    ],
)
def test_vendored_file_exists(relative):
    assert (VENDOR_DIR / relative).stat().st_size > 0


@pytest.mark.parametrize("path", OWN_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_template_has_nothing_inline_for_the_csp(path):
    text = path.read_text()

    assert not INLINE_SCRIPT.search(text)
    assert not STYLE_ATTR.search(text)
    assert not HANDLER_ATTR.search(text)
    assert "cdn" not in text.lower()


def test_base_loads_scripts_in_order_and_has_blocks():
    text = (TEMPLATES_DIR / "base.html").read_text()

    positions = [
        text.index("vendor/bootstrap/js/bootstrap.bundle.min.js"),
        text.index("vendor/htmx/htmx.min.js"),
        text.index("js/app.js"),
        text.index("{% block scripts %}"),
    ]
    assert positions == sorted(positions)
    for block in ("title", "breadcrumbs", "content", "scripts"):
        assert f"{{% block {block} %}}" in text
    assert 'name="csrf-token"' in text


def test_form_field_marks_errors_help_and_required():
    form = SampleForm(data={"email": "not-an-email"})
    form.is_valid()

    html = render_to_string("partials/form_field.html", {"field": form["email"]})

    assert 'class="form-control is-invalid"' in html
    assert "invalid-feedback d-block" in html
    assert "Enter a valid email address." in html
    assert 'id="id_email_helptext"' in html
    assert "required-marker" in html


DESCRIBED_BY = re.compile(r'aria-describedby="([^"]*)"')


def described_ids_missing(html: str) -> set[str]:
    """The ids that an aria-describedby names but no element in ``html`` carries."""
    named = {name for names in DESCRIBED_BY.findall(html) for name in names.split()}
    return {name for name in named if f'id="{name}"' not in html}


@pytest.mark.parametrize("name", ["email", "blood_group", "consent", "sex"])
def test_form_field_error_is_read_out_with_the_field(name):
    form = SampleForm(data={"email": "not-an-email", "blood_group": "x", "sex": "x"})
    form.add_error("consent", "Tick this to go on.")

    html = render_to_string("partials/form_field.html", {"field": form[name]})

    error_id = f"id_{name}_error"
    assert f'id="{error_id}"' in html
    assert error_id in DESCRIBED_BY.search(html).group(1).split()
    assert not described_ids_missing(html)


@pytest.mark.django_db
def test_sign_up_page_points_screen_readers_at_the_field_errors(client):
    response = client.post(reverse("accounts:signup"), {"email": "not-an-email", "password1": "a"})

    html = response.content.decode()
    assert 'aria-describedby="id_email_error"' in html and 'id="id_email_error"' in html
    assert not described_ids_missing(html)


def test_form_field_uses_bootstrap_class_per_widget():
    form = SampleForm()

    select = render_to_string("partials/form_field.html", {"field": form["blood_group"]})
    checkbox = render_to_string("partials/form_field.html", {"field": form["consent"]})
    radio = render_to_string("partials/form_field.html", {"field": form["sex"]})
    upload = render_to_string("partials/form_field.html", {"field": form["photo"]})

    assert 'class="form-select"' in select
    assert 'class="form-check-input"' in checkbox and "form-check-label" in checkbox
    assert radio.count('class="form-check-input"') == 2 and 'id="id_sex_1"' in radio
    assert 'type="file"' in upload and 'class="form-control"' in upload


def _request(path="/items/"):
    return RequestFactory().get(path)


def test_pagination_keeps_filters_and_hides_for_one_page():
    request = _request("/items/?q=heart&page=5")
    many = Paginator(range(200), 10).page(5)
    one = Paginator(range(3), 10).page(1)

    html = Template('{% include "partials/pagination.html" with page_obj=page_obj %}').render(
        Context({"request": request, "page_obj": many})
    )
    empty = Template('{% include "partials/pagination.html" with page_obj=page_obj %}').render(
        Context({"request": request, "page_obj": one})
    )

    assert "Page 5 of 20" in html
    assert "?q=heart&amp;page=4" in html and "?q=heart&amp;page=20" in html
    assert empty.strip() == ""


def test_avatar_falls_back_to_initials():
    class Person:
        pk = 17
        full_name = "Nusrat Jahan"

    html = render_to_string("partials/avatar.html", {"person": Person(), "photo": None, "size": 64})

    assert "NJ" in html and "avatar-64" in html and "avatar-tone-7" in html


def test_messages_map_error_to_danger():
    request = _request()
    request.session = {}
    request._messages = FallbackStorage(request)
    from django.contrib import messages

    messages.error(request, "Payment failed")
    messages.success(request, "Saved")

    html = render_to_string("partials/messages.html", {"messages": messages.get_messages(request)})

    assert "alert-danger" in html and "Payment failed" in html
    assert "alert-success" in html and 'data-autodismiss="6000"' in html


def test_confirm_button_posts_with_csrf_and_confirm_text():
    html = Template(
        '{% include "partials/confirm_button.html" with action="/x/" label="Cancel" confirm="Sure?" %}'
    ).render(Context({"csrf_token": "tok"}))

    assert 'method="post"' in html and 'action="/x/"' in html
    assert 'data-confirm="Sure?"' in html and "csrfmiddlewaretoken" in html


def _signed_in_request(user, *, hospital=None, roles=frozenset()):
    request = _request("/manage/x/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    if hospital is not None:
        request.hospital = hospital
        request.roles = roles
    return request


def test_base_for_staff_shows_work_menu_manage_bar_and_post_logout(hospital_admin, hospital):
    request = _signed_in_request(hospital_admin, hospital=hospital, roles=frozenset({"admin"}))

    html = render_to_string("base.html", request=request)

    assert "Hospitals I work at" in html and hospital.name in html
    assert "manage-subnav" in html
    assert 'id="nav-unread-badge"' in html
    assert "Log in" not in html


def test_base_for_patient_shows_my_health(patient):
    html = render_to_string("base.html", request=_signed_in_request(patient))

    assert "My health" in html
    assert "Hospitals I work at" not in html
    assert "manage-subnav" not in html


@pytest.mark.django_db
def test_page_titles_name_the_site_once(client, client_for, hospital_admin, hospital):
    """base.html adds "· HealthStack" to every title; a page's own title block must not add it again."""
    pages = [
        (client, reverse("hospitals:hospital-list")),
        (client, reverse("accounts:login")),
        (client_for(hospital_admin), reverse("manage:dashboard", args=[hospital.slug])),
    ]
    for browser, url in pages:
        title = re.search(r"<title>(.*?)</title>", browser.get(url).content.decode(), re.S).group(1)
        assert title.count("HealthStack") == 1, (url, title)
