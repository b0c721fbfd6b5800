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
        # Every login: first those the README's table lists, then the other hospitals' staff and the
        # other doctors and patients.
        featured = [login for login in ctx.logins if login.featured]
        others = [login for login in ctx.logins if not login.featured]
        header = ("Role", "Hospital", "Email", "Password")
        groups = [[(login.role, login.hospital, login.email, ctx.password) for login in group]
                  for group in (featured, others) if group]
        widths = [max(len(row[i]) for row in [header, *(row for rows in groups for row in rows)]) for i in range(4)]
        rule = "-+-".join("-" * width for width in widths)
        self.stdout.write(self._row(header, widths))
        for rows in groups:
            self.stdout.write(rule)
            for row in rows:
                self.stdout.write(self._row(row, widths))
        self.stdout.write(f"{len(ctx.logins)} demo logins, all with the password {ctx.password}.")

    @staticmethod
    def _row(cells: tuple[str, ...], widths: list[int]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()
