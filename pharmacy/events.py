"""The notifications pharmacy sends: a medicine order's news to its patient."""

from notifications.events import register_event


def register_events() -> None:
    register_event(
        "medicine_order_ready",
        title="{% load i18n %}{% blocktranslate %}Your medicines are ready at {{ hospital_name }}"
              "{% endblocktranslate %}",
    )
    register_event(
        "medicine_order_out_for_delivery",
        title="{% load i18n %}{% blocktranslate %}Your medicines from {{ hospital_name }} are on the way"
              "{% endblocktranslate %}",
    )
    register_event(
        "medicine_order_cancelled",
        title="{% load i18n %}{% blocktranslate %}Medicine order {{ order_number }} cancelled"
              "{% endblocktranslate %}",
    )
    register_event(
        "medicine_order_expired",
        title="{% load i18n %}{% blocktranslate %}Medicine order {{ order_number }} expired unpaid"
              "{% endblocktranslate %}",
    )
