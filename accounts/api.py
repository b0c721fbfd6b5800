"""JSON API for accounts: register, log in for a token, read and update one's profile."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from healthstack.api import text_fields
from healthstack.clientaddress import client_address

from . import services
from .forms import PatientProfileForm, PatientSignupForm
from .models import PatientProfile, User, phone_validator

REGISTER_FIELDS = ["full_name", "email", "phone", "password", "date_of_birth", "sex"]


def form_errors(form) -> dict:
    """A Django form's errors as {field: [messages]}, the API's one error shape."""
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


class PatientProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientProfile
        fields = ["patient_number", "date_of_birth", "sex", "blood_group", "address", "emergency_contact_name",
                  "emergency_contact_phone", "sharing_consent"]
        read_only_fields = ["patient_number", "sharing_consent"]


class ProfileUpdateSerializer(PatientProfileSerializer):
    """What PATCH /me/profile/ takes: name and phone beside the patient profile's fields."""

    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=20, allow_blank=True, validators=[phone_validator])

    class Meta(PatientProfileSerializer.Meta):
        fields = ["full_name", "phone", *PatientProfileSerializer.Meta.fields]


class UserSerializer(serializers.ModelSerializer):
    patient_profile = PatientProfileSerializer(read_only=True, allow_null=True,
                                               help_text="null for a user who is not a patient.")
    is_doctor = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "is_doctor", "patient_profile"]


class RegisterSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20, validators=[phone_validator])
    password = serializers.CharField(write_only=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(PatientProfile.Sex.choices, required=False, allow_blank=True)


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField(help_text="When the token stops working if unused; staff tokens "
                                                  "are extended by each use, up to the full lifetime.")
    user = UserSerializer()


def token_response(request, user) -> Response:
    """A fresh token for ``user`` (one per log-in), in the API's one token shape."""
    token, key = services.issue_api_token(user=user, client=request.headers.get("User-Agent", ""))
    return Response({"token": key, "expires": token.expiry, "user": UserSerializer(user).data})


class SignupSentSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RegisterView(APIView):
    """Sign up as a patient (the same rules as the sign-up page); no token here.

    The answer is 202 with the same message whether or not the email already has an account,
    so the API does not reveal who is registered: a new address gets a confirmation link by
    email, an address with an account gets a note telling its owner how to log in. After
    confirming, log in at /api/v1/auth/login/ for a token. Past the sign-up email limits (per
    address and per client) the answer is 429, its detail saying when to try again.
    """

    permission_classes = [AllowAny]

    @extend_schema(request=RegisterSerializer, responses={202: SignupSentSerializer, 429: SignupSentSerializer})
    def post(self, request):
        data = text_fields(request.data, REGISTER_FIELDS)
        form = PatientSignupForm({
            "full_name": data.get("full_name", ""), "email": data.get("email", ""), "phone": data.get("phone", ""),
            "password1": data.get("password", ""), "password2": data.get("password", ""),
            "date_of_birth": data.get("date_of_birth") or "", "sex": data.get("sex", ""),
        })
        if not form.is_valid():
            errors = form_errors(form)
            if "password1" in errors:
                errors["password"] = errors.pop("password1")
            errors.pop("password2", None)
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        cleaned = dict(form.cleaned_data)
        cleaned["password"] = cleaned.pop("password1")
        cleaned.pop("password2")
        try:
            services.sign_up(register=services.register_patient, client=client_address(request), **cleaned)
        except services.TooManyEmails as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response({"detail": _("Check your email: open the link we sent to finish signing up, "
                                     "then log in for a token.")},
                        status=status.HTTP_202_ACCEPTED)


class LoginView(APIView):
    """Exchange email and password for an API token (lockout rules apply)."""

    permission_classes = [AllowAny]
    may_lock_out = True

    @extend_schema(request=LoginSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, username=serializer.validated_data["email"],
                            password=serializer.validated_data["password"])
        if user is None:
            locked = getattr(request._request, "axes_locked_out", False)
            message = ("Too many failed log-in attempts; try again in 15 minutes." if locked
                       else "The email or password is not right.")
            return Response({"non_field_errors": [message]},
                            status=status.HTTP_429_TOO_MANY_REQUESTS if locked else status.HTTP_400_BAD_REQUEST)
        return token_response(request, user)


class LogoutView(APIView):
    """End the token this request was made with (other devices keep theirs)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if request.auth is not None and hasattr(request.auth, "digest"):
            services.revoke_api_tokens(user=request.user, digest=request.auth.digest)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    """Read or update the signed-in user's name, phone and patient profile."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=UserSerializer)
    def patch(self, request):
        user = request.user
        profile = services.ensure_patient_profile(user=user)
        current = {"full_name": user.full_name, "phone": user.phone}
        current.update({name: getattr(profile, name) for name in PatientProfileForm.profile_fields})
        merged = {**current, **text_fields(request.data, current)}
        form = PatientProfileForm({k: ("" if v is None else v) for k, v in merged.items()})
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = dict(form.cleaned_data)
        data.pop("photo", None)
        services.update_profile(user=user, full_name=data.pop("full_name"), phone=data.pop("phone"),
                                profile=profile, **data)
        user.refresh_from_db()
        return Response(UserSerializer(user).data)
