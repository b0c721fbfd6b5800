from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from payments.services import reconcile_payments


class Command(BaseCommand):
    help = (
        "Ask SSLCommerz about payments still 'initiated' after the payment hold (by tran_id) and confirm, "
        "fail or leave each, exactly as a gateway callback would. Safe to run as often as you like (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=settings.PAYMENT_HOLD_MINUTES, metavar="MINUTES",
            help="Only payments started at least this many minutes ago (default: PAYMENT_HOLD_MINUTES).",
        )

    def handle(self, *args, older_than: int, **options):
        counts = reconcile_payments(older_than=timedelta(minutes=older_than))
        if not counts:
            self.stdout.write("No stale payments.")
            return
        self.stdout.write(", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())))
