from .models import Notification


def unread_notifications(request):
    """The navbar's unread notification count: one count query, none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_unread_count": Notification.objects.for_user(user).unread().count()}
