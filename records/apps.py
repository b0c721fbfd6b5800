from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "Health records"

    def ready(self):
        from accounts.home import register_shortcut
        from hospitals.dashboard import register_panel

        from .models import MedicalDocument, Prescription

        register_panel("records/partials/panel_doctor_drafts.html", roles={"doctor"}, order=40)
        register_shortcut(
            "prescriptions", label=_("Prescriptions"), icon="capsule", url_name="records:mine",
            query="kind=prescription", order=20,
            count=lambda user: Prescription.objects.for_patient(user).visible_to_patient().count(),
            describe=lambda n: ngettext("%(count)d prescription", "%(count)d prescriptions", n) % {"count": n},
        )
        register_shortcut(
            "records", label=_("Health record"), icon="journal-medical", url_name="records:mine", order=30,
            count=lambda user: MedicalDocument.objects.for_patient(user).count(),
            describe=lambda n: ngettext("%(count)d uploaded document", "%(count)d uploaded documents", n)
            % {"count": n},
        )
