"""A tiny round-robin TCP load balancer for the local topology (`make up-local`, `make e2e-faults`).

``python -m scripts.balancer --listen 127.0.0.1:8000 127.0.0.1:8001 127.0.0.1:8002`` hands each new
client connection to the next backend in turn; a backend that refuses the connection is skipped
(the next one is tried), so stopping one API server loses no request that had not reached it.
Connections are piped byte for byte (HTTP keep-alive stays on the backend it started on), the
way a layer-4 balancer in front of the compose services would. Prints ``balancer ready`` once it
listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sys

CONNECT_TIMEOUT = 3.0


def address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            writer.close()


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    turn = itertools.cycle(range(len(backends)))

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        first = next(turn)
        upstream = None
        for offset in range(len(backends)):
            host, port = backends[(first + offset) % len(backends)]
            try:
                upstream = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
                break
            except (OSError, TimeoutError):
                continue
        if upstream is None:  # every backend is down: the client sees the connection close
            client_writer.close()
            return
        backend_reader, backend_writer = upstream
        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))
        backend_writer.close()
        client_writer.close()

    server = await asyncio.start_server(handle, *listen, backlog=1024)
    targets = ", ".join(f"{host}:{port}" for host, port in backends)
    print(f"balancer ready on {listen[0]}:{listen[1]} -> {targets}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.balancer", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, type=address, help="host:port to accept clients on")
    parser.add_argument("backends", nargs="+", type=address, help="host:port of each API server")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.listen, args.backends))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
