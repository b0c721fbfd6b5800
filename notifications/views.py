from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from healthstack.pages import paginate

from .models import Notification
from .services import mark_read


@login_required
def notification_list(request):
    """The user's notifications, one per thing: each shows its latest news with the earlier news under it."""
    items = Notification.objects.for_user(request.user).current().prefetch_related(
        Prefetch("earlier", queryset=Notification.objects.order_by("-created_at", "-id"))
    )
    if request.GET.get("filter") == "unread":
        items = items.unread()
    page = paginate(request, items)
    return render(request, "notifications/notification_list.html", {"page_obj": page})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    mark_read(request.user, notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = mark_read(request.user)
    messages.success(request, ngettext("%(count)d notification marked as read.",
                                       "%(count)d notifications marked as read.", count) % {"count": count})
    return redirect("notifications:list")
