"""The console email backend of ``EMAIL_URL=consolemail://`` (the demo's default).

Django's own console backend prints the whole MIME message, so one lab report in PDF is
hundreds of lines of base64 above the sign-up link a newcomer is looking for. This one prints
what a person reads: the headers, the text, and one line for the HTML version and for each
attachment (its name, type and size).
"""

import mimetypes
from email.header import decode_header, make_header
from email.mime.base import MIMEBase

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

# The parts of the MIME structure, not of the email a person reads.
_STRUCTURAL_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message):
        lines = [f"{name}: {_decoded(value)}" for name, value in message.message().items()
                 if name.lower() not in _STRUCTURAL_HEADERS]
        lines += ["", message.body.rstrip("\n"), ""]
        for content, mimetype in getattr(message, "alternatives", ()):
            lines.append(f"Also as {mimetype} ({_size(content):,} bytes), not shown.")
        for attachment in message.attachments:
            filename, mimetype, size = _described(attachment)
            lines.append(f"Attached: {filename} ({mimetype}, {size:,} bytes)")
        lines.append("-" * 79)
        self.stream.write("\n".join(lines) + "\n")


def _decoded(value) -> str:
    """A header as it reads: a name or subject in Bengali, not its =?utf-8?b?…?= encoding."""
    return str(make_header(decode_header(str(value))))


def _size(content: str | bytes) -> int:
    return len(content.encode() if isinstance(content, str) else content)


def _described(attachment) -> tuple[str, str, int]:
    if isinstance(attachment, MIMEBase):
        payload = attachment.get_payload(decode=True) or b""
        return attachment.get_filename() or "(unnamed)", attachment.get_content_type(), len(payload)
    filename, content, mimetype = attachment
    mimetype = mimetype or mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
    return filename or "(unnamed)", mimetype, _size(content)
