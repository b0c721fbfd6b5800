"""Each websocket connection does its sync work in a thread of its own, as each HTTP request does.

Django's ASGI handler opens an asgiref ``ThreadSensitiveContext`` per request, so a page's
database work runs in that request's thread. Channels opens none for a socket: every
``database_sync_to_async`` call of every socket in the process (session and user look-up at
the handshake, the consumer's access check, saving a chat message) then queues for asgiref's
one shared thread. Under load one slow call holds up every socket, and Daphne drops the
handshakes that wait past its handshake timeout. Calls of one socket still run one at a
time, in order, in its own thread; the thread ends with the connection.
"""

from asgiref.sync import ThreadSensitiveContext


class ThreadPerSocket:
    """ASGI middleware: run ``app`` for one connection inside its own ThreadSensitiveContext."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():
            return await self.app(scope, receive, send)
