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
        from hospitals.navigation import register_nav_item

        from . import panels
        from .events import register_events
        from .models import MedicalDocument, Prescription

        register_events()
        register_nav_item("patients", label=_("Patients"), url_name="clinical:patients", icon="person-lines-fill",
                          roles={"doctor"}, order=100, also_active_on=("clinical:patient",))
        register_panel("records/partials/doctor_drafts.html", roles={"doctor"}, selector=panels.doctor_drafts,
                       order=40)
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
