import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from healthstack.bodylimit import RequestBodyLimit, limit_daphne_request_bodies  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from healthstack.socketthreads import ThreadPerSocket  # noqa: E402

MAX_REQUEST_BODY_BYTES = settings.MAX_REQUEST_BODY_MB * 1024 * 1024
limit_daphne_request_bodies(MAX_REQUEST_BODY_BYTES)

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app, max_bytes=MAX_REQUEST_BODY_BYTES),
        "websocket": ThreadPerSocket(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
