"""The SSRF guard: webhook URLs must be http(s) and reach only public addresses.

The one checker for webhook URLs, used when an endpoint is registered or changed (API and admin)
and before every delivery attempt. ``resolve`` reads the host the way a resolver or a browser
would (``127.1``, ``2130706433``, ``0177.0.0.1`` and ``0x7f.0.0.1`` are all 127.0.0.1; IPv4 inside
IPv6 — mapped, 6to4, NAT64 — is judged by the IPv4 address it carries), resolves a name once, and
returns the checked addresses: a delivery connects to those and nowhere else (``events.transport``
pins them), so a DNS answer that changes between the check and the connect (rebinding) is never
used. DNS answers do change, which is why every attempt checks again.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SockAddr = tuple[str, int] | tuple[str, int, int, int]


class UnsafeURL(ValueError):
    """The URL may not be called; ``str(exc)`` says why, in words fit for an API client."""


@dataclass(frozen=True)
class Target:
    """Where a URL's requests go: its name (Host header, TLS SNI and certificate) and the
    addresses that were checked for it, as ``(family, sockaddr)`` in the resolver's order."""

    scheme: str
    host: str
    port: int
    addresses: tuple[tuple[int, SockAddr], ...]


# --- reading a host ------------------------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: IPv4 in the last 32 bits
# Networks Python's ``is_global`` still calls global although nothing public lives there.
_NOT_PUBLIC: tuple[Network, ...] = (
    ipaddress.ip_network("64:ff9b:1::/48"),  # NAT64 for local use (RFC 8215)
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
    ipaddress.ip_network("3fff::/20"),  # documentation (RFC 9637)
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated), besides :: and ::1
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
)


def _ipv4_part(part: str) -> int | None:
    """One dot-separated part as inet_aton and the WHATWG URL parser read it: ``0x`` hex, a
    leading ``0`` octal, decimal otherwise; ``None`` when it is not a number in that base."""
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits or not all(char in "0123456789abcdefABCDEF"[:base] for char in digits):
        return None
    return int(digits, base)


def _ends_in_a_number(parts: list[str]) -> bool:
    last = parts[-1]
    return last != "" and (
        (last.isascii() and last.isdigit()) or (last[:2] in ("0x", "0X") and _ipv4_part(last) is not None)
    )


def literal_address(host: str) -> Address | None:
    """The address ``host`` spells, if it is one in any notation; ``None`` for a name.

    A host whose last label is a number is an address or nothing (as for browsers): a malformed
    one (``256.0.0.1``, ``1.2.3.4.5``, ``08.0.0.1``) is an ``UnsafeURL``, never a name to look up.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0] if ":" in host else host)
    except ValueError:
        if ":" in host:
            raise UnsafeURL(_("The host %(host)s is not a valid address.") % {"host": repr(host)}) from None
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # a trailing dot: the fully qualified form
    if not _ends_in_a_number(parts):
        return None
    numbers = [_ipv4_part(part) for part in parts] if len(parts) <= 4 else [None]
    if any(number is None for number in numbers):
        raise UnsafeURL(_("The host %(host)s is not a valid address.") % {"host": repr(host)})
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        raise UnsafeURL(_("The host %(host)s is not a valid address.") % {"host": repr(host)})
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to an IPv4 host: mapped, 6to4 or NAT64."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@functools.cache
def _allowed(networks: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network.strip(), strict=False) for network in networks if network.strip())


def is_public(address: Address) -> bool:
    """Whether ``address`` (and any IPv4 address inside it) is a public, routable unicast address
    — or lies in one of ``settings.WEBHOOKS_ALLOWED_NETWORKS``."""
    allowed = _allowed(tuple(settings.WEBHOOKS_ALLOWED_NETWORKS))
    inner = embedded_ipv4(address)
    if allowed and any(
        (inner or address) in network for network in allowed if (inner or address).version == network.version
    ):
        return True
    if inner is not None and not is_public(inner):
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return True  # judged by the IPv4 address alone
    if address in _NAT64:
        return True  # the well-known prefix carries any IPv4 address; that one was judged above
    if any(address in network for network in _NOT_PUBLIC if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or getattr(address, "is_site_local", False)
    )


# --- the checker -----------------------------------------------------------------------------------


def _lookup(host: str, port: int) -> tuple[tuple[int, SockAddr], ...]:
    """Every address ``host`` resolves to, once, in the resolver's order without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeURL(_("The host %(host)s cannot be resolved.") % {"host": repr(host)}) from exc
    found: dict[str, tuple[int, SockAddr]] = {}
    for family, _type, _proto, _name, sockaddr in infos:
        if family == socket.AF_INET:
            found.setdefault(str(sockaddr[0]), (family, (str(sockaddr[0]), int(sockaddr[1]))))
        elif family == socket.AF_INET6 and len(sockaddr) == 4:
            found.setdefault(str(sockaddr[0]), (family, sockaddr))
    if not found:
        raise UnsafeURL(_("The host %(host)s cannot be resolved.") % {"host": repr(host)})
    return tuple(found.values())


def _sockaddr(address: Address, port: int) -> tuple[int, SockAddr]:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # the IPv4 address itself: no dual-stack socket needed
    if isinstance(address, ipaddress.IPv4Address):
        return socket.AF_INET, (str(address), port)
    return socket.AF_INET6, (str(address), port, 0, 0)


def resolve(url: str, *, registering: bool = False) -> Target | None:
    """Check ``url`` and return where its requests may go; ``UnsafeURL`` says why they may not.

    The URL must be http(s) without credentials, and every address of its host public (one
    non-public answer refuses the whole name). ``settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS`` lifts the
    address rule (not the scheme rule), for development and tests against local receivers;
    ``settings.WEBHOOKS_ALLOWED_NETWORKS`` lifts it for the networks listed only. When
    ``registering``, nothing connects yet: a name that does not resolve (yet, or from here) is
    accepted (``None``), since the contract refuses only hosts that resolve to non-public
    addresses and the check before every attempt refuses it if it ever does; with private hosts
    allowed, no lookup is made at all.
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
    port = port or (443 if parts.scheme == "https" else 80)
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS
    literal = literal_address(host)
    if literal is not None:
        addresses: tuple[tuple[int, SockAddr], ...] = (_sockaddr(literal, port),)
        checked: list[Address] = [literal]
    elif registering and allow_private:
        return None
    else:
        try:
            addresses = _lookup(host, port)
        except UnsafeURL:
            if registering:
                return None
            raise
        checked = [ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]) for _, sockaddr in addresses]
    if not allow_private:
        for address in checked:
            if not is_public(address):
                raise UnsafeURL(
                    _("The host %(host)s resolves to a non-public address (%(address)s).")
                    % {"host": repr(host), "address": address}
                )
    return Target(scheme=parts.scheme, host=host, port=port, addresses=addresses)


def check_url(url: str, *, registering: bool = False) -> None:
    """Raise ``UnsafeURL`` unless ``url`` passes ``resolve``."""
    resolve(url, registering=registering)
