# Websocket routes of every app are gathered here (the realtime issue adds chat and notifications).
websocket_urlpatterns = []
