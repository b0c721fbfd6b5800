"""The notifications labs sends: an order paid for, a report ready or amended, critical values and their escalation."""

from notifications.events import register_event


def register_events() -> None:
    register_event(
        "lab_order_paid",
        title="{% load i18n %}{% blocktranslate %}Lab tests paid at {{ hospital_name }}: what to bring"
              "{% endblocktranslate %}",
    )
    register_event("lab_order_cancelled",
                   title="{% load i18n %}{% blocktranslate %}Lab order cancelled at {{ hospital_name }}"
                         "{% endblocktranslate %}")
    register_event("lab_order_expired",
                   title="{% load i18n %}{% blocktranslate %}Lab order expired unpaid at {{ hospital_name }}"
                         "{% endblocktranslate %}")
    register_event("lab_report_ready",
                   title="{% load i18n %}{% blocktranslate %}Your lab report from {{ hospital_name }} is ready"
                         "{% endblocktranslate %}")
    register_event("lab_report_amended",
                   title="{% load i18n %}{% blocktranslate %}Your lab report from {{ hospital_name }} was corrected "
                         "(version {{ version }}){% endblocktranslate %}")
    register_event("lab_critical_result",
                   title="{% load i18n %}{% blocktranslate %}Critical lab result: {{ patient_name }} "
                         "({{ accession }}){% endblocktranslate %}")
    register_event("lab_critical_escalated",
                   title="{% load i18n %}{% blocktranslate %}Unacknowledged critical lab result: {{ patient_name }} "
                         "({{ accession }}){% endblocktranslate %}")
