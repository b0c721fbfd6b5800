from django.core.management.base import BaseCommand

from hospitals.demo import DEMO_PASSWORD, DemoContext, seed


class Command(BaseCommand):
    help = (
        "Load demo hospitals, staff, doctors and patients (and the demo steps of later apps). "
        f"Safe to run again: nothing is duplicated. Every demo login's password is {DEMO_PASSWORD}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing, not even the logins table.")

    def handle(self, *args, quiet: bool = False, **options):
        ctx = seed()
        if not quiet:
            self.print_summary(ctx)

    def print_summary(self, ctx: DemoContext) -> None:
        created = sum(ctx.created.values())
        if created:
            detail = ", ".join(f"{count} {name}" for name, count in sorted(ctx.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {detail}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already in place; nothing changed."))
        featured = [login for login in ctx.logins if login.featured]
        rows = [("Role", "Hospital", "Email", "Password")]
        rows += [(login.role, login.hospital, login.email, ctx.password) for login in featured]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        rule = "-+-".join("-" * width for width in widths)
        for n, row in enumerate(rows):
            self.stdout.write(" | ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
            if n == 0:
                self.stdout.write(rule)
        rest = [login.role.split(" ")[0] for login in ctx.logins if not login.featured]
        doctors, patients = rest.count("Doctor"), rest.count("Patient")
        self.stdout.write(
            f"… and {doctors} more doctors, {len(rest) - doctors - patients} more staff and {patients} more "
            f"patients, all with the same password."
        )
