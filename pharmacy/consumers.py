"""The socket of the patient's medicine order page: it only says "refresh" when the order moves."""

from healthstack.consumers import LiveConsumer, Refused
from healthstack.realtime import CLOSE_NOT_FOUND

from .models import MedicineOrder
from .realtime import order_group


class MedicineOrderConsumer(LiveConsumer):
    """``/ws/medicine-orders/<id>/``: the patient who placed the order; anyone else is closed with 4404."""

    def authorize(self, user) -> list[str]:
        order = (MedicineOrder.objects.for_patient(user).placed()
                 .filter(pk=self.scope["url_route"]["kwargs"]["order_id"]).only("pk").first())
        if order is None:
            raise Refused(CLOSE_NOT_FOUND)
        return [order_group(order.pk)]
