"""Writes with rules for hospitals, departments and staff. Views call these, never .save()."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.services import end_sessions
from healthstack.files import CheckedUpload
from healthstack.localtime import local_date
from healthstack.status import locked
from notifications.services import notify, send_email

from .models import (
    RESERVED_SLUGS,
    Department,
    DoctorCertificate,
    Hospital,
    HospitalError,
    InvalidTransition,
    Membership,
    StaffInvitation,
)

User = get_user_model()
Role = Membership.Role

__all__ = ["HospitalError", "InvalidTransition"]


def unique_hospital_slug(name: str) -> str:
    base = slugify(name)[:70] or "hospital"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Hospital.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_membership(*, membership: Membership, by, reason: str = "") -> Membership:
    """Save the new, unsaved ``membership`` with its first status and write its first history row
    ("" → that status, by ``by``, now); return it. Every creator of a membership goes through here.

    Raises IntegrityError for a role the user already holds at the hospital (nothing saved).
    """
    membership.save(force_insert=True)
    membership.record_status(from_status="", by=by, reason=reason)
    return membership


@transaction.atomic
def register_hospital(*, user, name: str, city: str, address: str, phone: str, email: str,
                      description: str = "", time_zone: str = "Asia/Dhaka", logo: CheckedUpload | None = None,
                      now: datetime | None = None) -> Hospital:
    """Create a hospital awaiting the operator's approval; its creator becomes its (only) admin."""
    hospital = Hospital(
        name=name, slug=unique_hospital_slug(name), city=city, address=address, phone=phone, email=email,
        description=description, time_zone=time_zone, created_by=user,
    )
    if logo:
        hospital.logo.save(logo.content.name, logo.content, save=False)
    hospital.save()
    create_membership(membership=Membership(
        user=user, hospital=hospital, role=Role.ADMIN, status=Membership.Status.APPROVED,
        decided_at=now or timezone.now(),
    ), by=user, reason="Registered the hospital.")
    return hospital


@transaction.atomic
def update_hospital(*, hospital: Hospital, logo: CheckedUpload | None = None, **fields) -> Hospital:
    """Change a hospital's public details (not its status or slug)."""
    allowed = {"name", "city", "address", "phone", "email", "description", "time_zone", "cancellation_cutoff_hours"}
    unknown = set(fields) - allowed
    if unknown:
        raise HospitalError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    for field, value in fields.items():
        setattr(hospital, field, value)
    if logo:
        hospital.logo.save(logo.content.name, logo.content, save=False)
    hospital.save()
    return hospital


@transaction.atomic
def approve_hospital(*, hospital: Hospital, by) -> Hospital:
    """Operator: approve a pending hospital (or restore a suspended one) and tell its admins.

    Locks the hospital; does nothing if it is approved already.
    """
    hospital = locked(hospital)
    if hospital.status == Hospital.Status.APPROVED:
        return hospital
    hospital.transition_to(Hospital.Status.APPROVED, by=by)
    for admin_membership in hospital.memberships.approved().filter(role=Role.ADMIN).select_related("user"):
        notify(admin_membership.user, "hospital_approved", {"hospital_name": hospital.name},
               url=reverse("manage:dashboard", args=[hospital.slug]))
    return hospital


@transaction.atomic
def suspend_hospital(*, hospital: Hospital, by, reason: str = "") -> Hospital:
    """Operator: hide the hospital and close its staff area (or turn a pending registration down).

    Its approved staff are signed out everywhere at once (web sessions and API tokens; one who
    also works elsewhere logs in again). Locks the hospital; does nothing if it is suspended
    already. Raises InvalidTransition for a status that cannot be suspended.
    """
    hospital = locked(hospital)
    if hospital.status == Hospital.Status.SUSPENDED:
        return hospital
    hospital.transition_to(Hospital.Status.SUSPENDED, by=by, reason=reason)
    end_sessions(user_ids=hospital.memberships.approved().values_list("user_id", flat=True).distinct())
    return hospital


def unique_department_slug(hospital: Hospital, name: str, exclude_pk=None) -> str:
    base = slugify(name)[:70] or "department"
    slug, n = base, 2
    taken = Department.objects.for_hospital(hospital).exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_department(*, hospital: Hospital, name: str, description: str = "") -> Department:
    if Department.objects.for_hospital(hospital).filter(name__iexact=name.strip()).exists():
        raise HospitalError("This hospital already has a department with that name.")
    return Department.objects.create(
        hospital=hospital, name=name.strip(), slug=unique_department_slug(hospital, name), description=description
    )


@transaction.atomic
def update_department(*, department: Department, name: str, description: str = "") -> Department:
    clash = Department.objects.for_hospital(department.hospital).filter(name__iexact=name.strip())
    if clash.exclude(pk=department.pk).exists():
        raise HospitalError("This hospital already has a department with that name.")
    department.name = name.strip()
    department.description = description
    department.save(update_fields=["name", "description"])
    return department


@transaction.atomic
def set_department_active(*, department: Department, active: bool) -> Department:
    """Deactivate (hide from patients, keep history) or reactivate a department."""
    department.is_active = active
    department.save(update_fields=["is_active"])
    return department


@transaction.atomic
def apply_to_hospital(*, user, hospital: Hospital, department: Department, consultation_fee: Decimal,
                      cover_letter: str = "", certificates: list[CheckedUpload]) -> Membership:
    """A doctor asks to join ``hospital`` in ``department``; the hospital's admins are told.

    A rejected application may be sent again; a pending or approved one may not.
    """
    if not user.is_doctor:
        raise HospitalError("Only doctors with a doctor profile can apply to hospitals.")
    if department.hospital_id != hospital.pk or not department.is_active:
        raise HospitalError("Choose one of this hospital's departments.")
    if not certificates:
        raise HospitalError("Attach at least one certificate.")
    existing = Membership.objects.select_for_update().filter(user=user, hospital=hospital, role=Role.DOCTOR).first()
    if existing and existing.status in (Membership.Status.PENDING, Membership.Status.APPROVED):
        raise HospitalError(
            "You already have an application at this hospital."
            if existing.status == Membership.Status.PENDING else "You already work at this hospital."
        )
    if existing and existing.status == Membership.Status.SUSPENDED:
        raise HospitalError("Your membership at this hospital is suspended; contact its administrator.")
    if existing:
        membership = locked(existing)
        membership.department = department
        membership.consultation_fee = consultation_fee
        membership.cover_letter = cover_letter
        membership.decision_reason = ""
        membership.decided_at = membership.decided_by = None
        membership.transition_to(Membership.Status.PENDING, by=user, reason="Applied again.", fields=[
            "department", "consultation_fee", "cover_letter", "decision_reason", "decided_at", "decided_by",
        ])
    else:
        membership = create_membership(membership=Membership(
            user=user, hospital=hospital, role=Role.DOCTOR, status=Membership.Status.PENDING, department=department,
            consultation_fee=consultation_fee, cover_letter=cover_letter,
        ), by=user, reason="Applied.")
    stored = []  # files written so far: removed again if anything below fails
    try:
        for checked in certificates:
            certificate = DoctorCertificate(
                hospital=hospital, membership=membership, kind=checked.kind, original_name=checked.original_name
            )
            certificate.file.save(checked.content.name, checked.content, save=False)
            stored.append(certificate.file.name)
            certificate.save()
        url = reverse("manage:application-detail", args=[hospital.slug, membership.pk])
        context = {"doctor_name": user.full_name, "hospital_name": hospital.name, "department_name": department.name}
        for admin_membership in hospital.memberships.approved().filter(role=Role.ADMIN).select_related("user"):
            notify(admin_membership.user, "doctor_application_received", context, url=url)
    except Exception:
        for name in stored:
            DoctorCertificate.file.field.storage.delete(name)
        raise
    return membership


def _lock_membership(membership: Membership, *, hospital: Hospital) -> Membership:
    """Re-read ``membership`` under a row lock (with its people), only if it belongs to ``hospital``."""
    return locked(membership,
                  Membership.objects.for_hospital(hospital).select_related("user", "hospital", "department"))


@transaction.atomic
def approve_application(*, membership: Membership, by, department: Department | None = None,
                        consultation_fee: Decimal | None = None, now: datetime | None = None) -> Membership:
    """Admin: approve a pending doctor application; the doctor is notified. Raises HospitalError."""
    membership = _lock_membership(membership, hospital=membership.hospital)
    if membership.role != Role.DOCTOR or membership.status != Membership.Status.PENDING:
        raise HospitalError("Only a pending doctor application can be approved.")
    if department is not None:
        if department.hospital_id != membership.hospital_id:
            raise HospitalError("Choose one of this hospital's departments.")
        membership.department = department
    if consultation_fee is not None:
        membership.consultation_fee = consultation_fee
    membership.decided_by, membership.decided_at = by, now or timezone.now()
    membership.decision_reason = ""
    membership.transition_to(Membership.Status.APPROVED, by=by, fields=[
        "department", "consultation_fee", "decided_by", "decided_at", "decision_reason",
    ])
    notify(membership.user, "doctor_application_approved",
           {"hospital_name": membership.hospital.name, "department_name": membership.department.name},
           url=reverse("manage:dashboard", args=[membership.hospital.slug]))
    return membership


@transaction.atomic
def reject_application(*, membership: Membership, by, reason: str, now: datetime | None = None) -> Membership:
    """Admin: reject a pending doctor application with a reason the doctor is told."""
    if not reason.strip():
        raise HospitalError("Give the doctor a reason.")
    membership = _lock_membership(membership, hospital=membership.hospital)
    if membership.role != Role.DOCTOR or membership.status != Membership.Status.PENDING:
        raise HospitalError("Only a pending doctor application can be rejected.")
    membership.decided_by, membership.decided_at = by, now or timezone.now()
    membership.decision_reason = reason.strip()
    membership.transition_to(Membership.Status.REJECTED, by=by, reason=membership.decision_reason,
                             fields=["decided_by", "decided_at", "decision_reason"])
    notify(membership.user, "doctor_application_rejected",
           {"hospital_name": membership.hospital.name, "reason": membership.decision_reason},
           url=reverse("hospitals:applications"))
    return membership


@transaction.atomic
def suspend_member(*, membership: Membership, by, reason: str = "", now: datetime | None = None) -> Membership:
    """Admin: suspend an approved staff member (not themselves, not the last admin).

    They are signed out everywhere at once: their web sessions and API tokens end (if they also
    work at another hospital, they log in again for it).
    """
    membership = _lock_membership(membership, hospital=membership.hospital)
    if membership.status != Membership.Status.APPROVED:
        raise HospitalError("Only an active staff member can be suspended.")
    if membership.user_id == by.pk:
        raise HospitalError("You cannot suspend yourself.")
    membership.decided_by, membership.decided_at = by, now or timezone.now()
    membership.decision_reason = reason
    membership.transition_to(Membership.Status.SUSPENDED, by=by, reason=reason,
                             fields=["decided_by", "decided_at", "decision_reason"])
    end_sessions(user_ids=[membership.user_id])
    notify(membership.user, "staff_suspended", {"hospital_name": membership.hospital.name, "reason": reason})
    return membership


@transaction.atomic
def restore_member(*, membership: Membership, by, now: datetime | None = None) -> Membership:
    """Admin: give a suspended staff member their place back; they are notified. Raises HospitalError."""
    membership = _lock_membership(membership, hospital=membership.hospital)
    if membership.status != Membership.Status.SUSPENDED:
        raise HospitalError("Only a suspended staff member can be restored.")
    membership.decided_by, membership.decided_at = by, now or timezone.now()
    membership.decision_reason = ""
    membership.transition_to(Membership.Status.APPROVED, by=by, reason="Restored.",
                             fields=["decided_by", "decided_at", "decision_reason"])
    notify(membership.user, "staff_restored", {"hospital_name": membership.hospital.name},
           url=reverse("manage:dashboard", args=[membership.hospital.slug]))
    return membership


@transaction.atomic
def invite_staff(*, hospital: Hospital, email: str, full_name: str, role: str, by,
                 now: datetime | None = None) -> StaffInvitation:
    """Admin: invite a receptionist, lab worker or pharmacist by email."""
    if role not in StaffInvitation.INVITABLE_ROLES:
        raise HospitalError("Invite receptionists, lab workers or pharmacists; doctors apply themselves.")
    email = email.strip().lower()
    if Membership.objects.filter(hospital=hospital, role=role, user__email__iexact=email).exists():
        raise HospitalError("This person already has that role at this hospital.")
    StaffInvitation.objects.filter(hospital=hospital, email__iexact=email, role=role).open(now).update(revoked=True)
    invitation = StaffInvitation.objects.create(
        hospital=hospital, email=email, full_name=full_name.strip(), role=role, invited_by=by,
        token=secrets.token_urlsafe(32),
        expires_at=(now or timezone.now()) + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    send_email(
        address=email, template="staff_invitation",
        context={
            "full_name": invitation.full_name, "hospital_name": hospital.name, "invited_by": by.full_name,
            "role": invitation.get_role_display(), "expires_at": local_date(invitation.expires_at, hospital),
            "url": reverse("hospitals:accept-invitation", args=[invitation.token]),
        },
    )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user=None, password: str | None = None, phone: str = "",
                      now: datetime | None = None) -> Membership:
    """Join the hospital named in an open invitation.

    A signed-in user whose email matches joins as themselves; otherwise a new account is
    created with ``password``. Raises HospitalError for an unknown, used or expired link.
    """
    invitation = StaffInvitation.objects.select_for_update().select_related("hospital").filter(token=token).first()
    if invitation is None or not invitation.is_open_at(now):
        raise HospitalError("This invitation link is no longer valid. Ask the hospital for a new one.")
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise HospitalError("This invitation was sent to another email address.")
    else:
        # The invitation link proves the mailbox, so an unconfirmed self sign-up with this email
        # (perhaps someone else's) gives way, as a newer sign-up would replace it.
        User.objects.filter(email__iexact=invitation.email, awaiting_email_confirmation=True).delete()
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise HospitalError("An account with this email exists: sign in first, then open the link again.")
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=invitation.full_name, phone=phone
        )
    try:
        with transaction.atomic():
            membership = create_membership(membership=Membership(
                user=user, hospital=invitation.hospital, role=invitation.role,
                status=Membership.Status.APPROVED, decided_by=invitation.invited_by, decided_at=now or timezone.now(),
            ), by=invitation.invited_by, reason="Accepted the invitation.")
    except IntegrityError as exc:
        raise HospitalError("You already have this role at this hospital.") from exc
    invitation.accepted_at = now or timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: StaffInvitation) -> StaffInvitation:
    invitation.revoked = True
    invitation.save(update_fields=["revoked"])
    return invitation


def purge_expired_invitations(*, now: datetime | None = None) -> int:
    """Delete invitations never accepted that expired (or were revoked) over INVITATION_RETENTION_DAYS ago.

    Accepted invitations stay: they say who invited whom. Run nightly by ``hospitals.tasks``.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.INVITATION_RETENTION_DAYS)
    deleted, _ = (StaffInvitation.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff)
                  .delete())
    return deleted
