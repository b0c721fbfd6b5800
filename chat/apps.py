from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ChatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chat"
    verbose_name = "Doctor–patient chat"

    def ready(self):
        from accounts.home import register_shortcut
        from hospitals.dashboard import register_panel

        from . import panels
        from .selectors import unread_count

        register_panel("chat/partials/unread_messages.html", roles={"doctor"}, selector=panels.unread_messages,
                       order=50)
        register_shortcut(
            "messages", label=_("Messages"), icon="chat-dots", url_name="chat:list", order=50,
            count=unread_count,
            describe=lambda n: ngettext("%(count)d unread", "%(count)d unread", n) % {"count": n},
        )
