from django.apps import AppConfig


class HospitalsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'hospitals'

    def ready(self):
        from .dashboard import register_panel

        # Until the lab and pharmacy desks plug in their own panels, their staff get a real welcome.
        register_panel("hospitals/manage/partials/desk_coming.html", roles={"lab_worker", "pharmacist"}, order=90,
                       width="col-12")
