"""Lab report PDF benchmark: how long one report takes to render, as a download or an email attachment.

Builds its own SQLite file database in a temporary folder (migrate, then the demo seed, whose
reported lab orders carry a full blood count and more), picks the report with the most results
and renders it ``--renders`` times through ``labs.pdf.report_pdf`` (database reads, template,
xhtml2pdf, QR code), after one warm-up render. Prints the mean, p50, p95 and max in milliseconds.
The goal (docs: Performance budgets) is under 300 ms.

    .venv/bin/python bench/lab_report_pdf.py                 # --renders 50
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="healthstack-lab-pdf-bench-"))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{TMP / 'db.sqlite3'}",
    "DJANGO_SECRET_KEY": "lab-report-pdf-bench-secret-key-of-fifty-or-more-characters",
    "HUEY_DATABASE": str(TMP / "tasks.sqlite3"), "DJANGO_DEBUG_TOOLBAR": "0", "HUEY_IMMEDIATE": "1",
    "MEDIA_ROOT": str(TMP / "media"), "PRIVATE_MEDIA_ROOT": str(TMP / "private"),
})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)

    from labs.models import LabReport
    from labs.pdf import report_pdf

    report = LabReport.objects.annotate(n=Count("results")).order_by("-n", "pk").first()
    if report is None:
        sys.exit("the demo made no lab report")
    size = len(report_pdf(report))
    timings = []
    for _ in range(max(args.renders, 1)):
        start = time.perf_counter()
        report_pdf(report)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"lab report PDF: {report.results.count()} results, {size / 1024:.0f} KiB, {len(timings)} renders")
    print(f"  mean {statistics.mean(timings):.0f} ms · p50 {statistics.median(timings):.0f} ms · "
          f"p95 {p95:.0f} ms · max {timings[-1]:.0f} ms (goal < 300 ms)")


if __name__ == "__main__":
    main()
