"""An SMTP sink for the local topology: compose's mailpit, without a container.

``python -m scripts.mailsink --listen 127.0.0.1:1025 --out .data/local/mail.jsonl`` accepts every
message and appends one JSON line per recipient (``message_id``, ``to``, ``subject``, ``at``) to
the file (flushed at once, so a reader sees every message the sink acknowledged) and prints a short
line per message. Prints ``mail sink ready`` once it listens. Nothing is relayed anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class Recorder:
    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.file = out.open("a", encoding="utf-8")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        record: dict[str, Any] = {
            "message_id": str(message.get("Message-ID", "")),
            "subject": str(message.get("Subject", "")),
            "at": time.time(),
        }
        for recipient in envelope.rcpt_tos:
            self.file.write(json.dumps({**record, "to": recipient}) + "\n")
        self.file.flush()
        print(f"mail {record['message_id']} to {', '.join(envelope.rcpt_tos)}: {record['subject']}", flush=True)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, out: Path) -> None:
    handler = Recorder(out)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="mailsink"), host, port)
    print(f"mail sink ready on {host}:{port}, writing {out}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.mailsink", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:1025", help="host:port (default 127.0.0.1:1025)")
    parser.add_argument("--out", required=True, type=Path, help="the JSON-lines file messages are appended to")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host or "127.0.0.1", int(port), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
