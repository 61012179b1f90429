"""The SSRF guard: webhook URLs must be http(s) and resolve only to public addresses.

Checked when an endpoint is registered and again before every attempt, because DNS answers
change (a host that was public at registration may point inside the network later).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeURL(ValueError):
    """The URL may not be called; ``str(exc)`` says why, in words fit for an API client."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to; an unresolvable host is an ``UnsafeURL``."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeURL(_("The host %(host)s cannot be resolved.") % {"host": repr(host)}) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise UnsafeURL(_("The host %(host)s cannot be resolved.") % {"host": repr(host)})
    return addresses


def check_url(url: str, *, registering: bool = False) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is http(s) and every address of its host is public.

    ``settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS`` lifts the address rule (not the scheme rule), for
    development and tests against local receivers. When ``registering``, a host that does not
    resolve (yet, or from here) is accepted: the contract refuses only hosts that resolve to
    non-public addresses, and the check before every attempt refuses it if it ever does.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(_("The URL is not valid.")) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(_("Only http and https URLs are allowed."))
    host = parts.hostname
    if not host:
        raise UnsafeURL(_("The URL has no host."))
    if parts.username or parts.password:
        raise UnsafeURL(_("Credentials in the URL are not allowed."))
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return
    try:
        addresses = resolve(host, port or (443 if parts.scheme == "https" else 80))
    except UnsafeURL:
        if registering:
            return
        raise
    for raw in addresses:
        check_address(raw, host)


def check_address(raw: str, host: str) -> None:
    """Raise ``UnsafeURL`` unless ``raw`` (an address ``host`` resolved or connected to) is public.

    Also applied to the peer of every new connection a delivery opens, so a DNS answer that
    changes between ``check_url`` and the connect (rebinding) cannot reach inside the network.
    """
    address = ipaddress.ip_address(raw.split("%", 1)[0])
    if not _is_public(address):
        raise UnsafeURL(
            _("The host %(host)s resolves to a non-public address (%(address)s).")
            % {"host": repr(host), "address": address}
        )
