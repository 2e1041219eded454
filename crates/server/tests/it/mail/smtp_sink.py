"""An SMTP server for the mail tests (Debian's python3-aiosmtpd): it takes every
message sent to it and saves, for each, NNNN.json with what an independent parser
(Python's email package) reads in it: envelope, headers, plain and HTML parts, attachments.

Usage: smtp_sink.py DIR. It listens on 127.0.0.1 at a port of the system's choosing,
written to DIR/port once it accepts connections. While DIR/refuse exists, every
message is refused with the SMTP reply that file holds (e.g. "451 4.3.0 Try later").
"""

import asyncio
import email
import email.policy
import json
import pathlib
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        refuse = self.directory / "refuse"
        if refuse.exists():
            return refuse.read_text().strip()
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        attachments = []
        for part in message.walk():
            if part.get_content_disposition() == "attachment":
                content = part.get_content()
                attachments.append({
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "starts": content[:5].decode("latin-1"),
                })
            elif part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        saved = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "reply_to": str(message["Reply-To"]) if message["Reply-To"] else None,
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
            "attachments": attachments,
        }
        self.count += 1
        name = f"{self.count:04}"
        temporary = self.directory / f"{name}.tmp"
        temporary.write_text(json.dumps(saved))
        temporary.rename(self.directory / f"{name}.json")
        return "250 2.0.0 Saved"


async def main(directory):
    sink = Sink(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    temporary = directory / "port.tmp"
    temporary.write_text(str(port))
    temporary.rename(directory / "port")
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(pathlib.Path(sys.argv[1])))
