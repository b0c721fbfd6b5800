"""The project wiring: settings, the root URLconf, the API router, websocket routes, ASGI and WSGI.

The only package that knows every app; healthstack is the shared kernel beneath the apps.
"""
