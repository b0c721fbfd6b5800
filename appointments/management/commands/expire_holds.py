from django.core.management.base import BaseCommand

from appointments.services import expire_stale_holds


class Command(BaseCommand):
    help = "Expire bookings whose payment hold ran out, freeing their slots (run every few minutes from cron)."

    def handle(self, *args, **options):
        expired = expire_stale_holds()
        self.stdout.write(f"Expired {expired} booking{'s' if expired != 1 else ''} whose payment hold ran out.")
