from django.core.management.base import BaseCommand, CommandError

from records.services import verify_access_log


class Command(BaseCommand):
    help = "Check the access log's hash chain; exit non-zero naming the first row that was changed or removed."

    def handle(self, *args, **options):
        checked, problem = verify_access_log()
        if problem:
            raise CommandError(f"Access log chain broken after {checked} good rows: {problem}.")
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {checked} rows chained."))
