from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from healthstack.clientaddress import client_address
from healthstack.pages import paginate

from . import services
from .backends import AUTH_BACKEND
from .confirmation import email_confirmation_token
from .home import home_cards_for, shortcuts_for
from .orders import cart_sections_for, order_kinds, orders_for
from .forms import (
    DoctorProfileForm,
    DoctorSignupForm,
    EmailLoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PatientProfileForm,
    PatientSignupForm,
    SetPasswordForm,
)
from .models import ApiToken, PatientProfile, User


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _safe_next(request) -> str:
    """The ``next`` page asked for (form field or query string), if it is on this site; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _signup(request, form_class, register, template):
    """Sign-up page: the same answer ("check your email") whether or not the email has an account.
    A ``next`` on this site rides on the emailed confirmation link."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "dashboard")
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["password"] = data.pop("password1")
        data.pop("password2")
        try:
            services.sign_up(register=register, next_url=next_url, client=client_address(request), **data)
        except services.TooManyEmails as exc:
            form.add_error(None, str(exc))
            return render(request, template, {"form": form, "next": next_url}, status=429)
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("accounts:signup-sent")
    return render(request, template, {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def signup_patient(request):
    return _signup(request, PatientSignupForm, services.register_patient, "accounts/signup_patient.html")


@require_http_methods(["GET", "POST"])
def signup_doctor(request):
    return _signup(request, DoctorSignupForm, services.register_doctor, "accounts/signup_doctor.html")


def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def confirm_signup(request, uidb64, token):
    """The link from the sign-up email: a button (a POST, so mail scanners opening links change
    nothing) that activates the account and signs its owner in."""
    try:
        user = User.objects.filter(pk=urlsafe_base64_decode(uidb64).decode()).first()
    except (ValueError, UnicodeDecodeError):
        user = None
    if user is None or not user.awaiting_email_confirmation or not email_confirmation_token.check_token(user, token):
        return render(request, "accounts/signup_confirm_invalid.html", status=404)
    if request.method == "POST":
        user = services.confirm_email(user=user)
        login(request, user, backend=AUTH_BACKEND)
        if user.is_doctor:
            messages.success(request, _("Your doctor account is ready. Apply to the hospitals you work at."))
        else:
            messages.success(request, _("Welcome to HealthStack. Find a doctor and book your first appointment."))
        return redirect(_safe_next(request) or "dashboard")
    return render(request, "accounts/signup_confirm.html", {"person": user})


@login_required
def me_home(request):
    user = request.user
    return render(request, "accounts/me_home.html", {
        "shortcuts": shortcuts_for(user) if user.is_patient else (),
        "cards": home_cards_for(user, audience="patient") if user.is_patient else (),
        "doctor_cards": home_cards_for(user, audience="doctor") if user.is_doctor else (),
    })


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if user.is_doctor:
        profile_obj, form_class = user.doctor_profile, DoctorProfileForm
    elif request.method == "POST":
        profile_obj, form_class = services.ensure_patient_profile(user=user), PatientProfileForm
    else:  # staff who are not patients yet: an empty form; saving it makes their patient profile
        profile_obj = getattr(user, "patient_profile", None) or PatientProfile(user=user)
        form_class = PatientProfileForm
    initial = {"full_name": user.full_name, "phone": user.phone}
    initial.update({name: getattr(profile_obj, name) for name in form_class.profile_fields})
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.update_profile(
            user=user, full_name=data.pop("full_name"), phone=data.pop("phone"), profile=profile_obj,
            photo=data.pop("photo"), **data,
        )
        messages.success(request, "Your profile was saved.")
        return redirect("me:profile")
    return render(request, "accounts/profile.html", {"form": form, "profile": profile_obj})


@login_required
def api_tokens(request):
    """The signed-in user's API tokens (one per app or device that logged in), newest first."""
    tokens = ApiToken.objects.for_user(request.user).live()
    return render(request, "accounts/api_tokens.html", {"tokens": tokens, "now": timezone.now()})


@login_required
@require_POST
def revoke_api_token(request):
    token = get_object_or_404(ApiToken.objects.for_user(request.user), digest=request.POST.get("token", ""))
    services.revoke_api_tokens(user=request.user, digest=token.digest)
    messages.success(request, _("The token was revoked: the app that used it must log in again."))
    return redirect("me:api-tokens")


@login_required
@require_POST
def revoke_all_api_tokens(request):
    count = services.revoke_api_tokens(user=request.user)
    messages.success(request, ngettext("%(count)d token was revoked.", "%(count)d tokens were revoked.",
                                       count) % {"count": count})
    return redirect("me:api-tokens")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("me:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: the same answer, after the same work, whether or not the address has an account."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        try:
            services.request_password_reset(email=form.cleaned_data["email"], client=client_address(self.request))
        except services.TooManyEmails as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


@login_required
def my_cart(request):
    """/me/cart/: the patient's open carts of every kind (lab tests, medicines), one per hospital."""
    sections = cart_sections_for(request.user)
    empty = not any(section["context"].get("carts") for section in sections)
    return render(request, "accounts/my_cart.html", {"sections": sections, "empty": empty})


@login_required
def my_orders(request):
    """/me/orders/: every order the patient placed (lab tests, medicines), newest first, by kind."""
    kinds = order_kinds()
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(kinds) else ""
    page = paginate(request, orders_for(request.user, kind=kind))
    return render(request, "accounts/my_orders.html", {"page": page, "kinds": kinds, "kind": kind})
