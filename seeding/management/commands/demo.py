"""``manage.py demo``: a small living system for a newcomer (`make run` loads it into an empty database).

A few citizens, a clerk and an admin with printed development-only logins, expedientes in every
estado (some with documentos), a catalog and some orders in several states. Every row is written
through the same services as the API, so it is audited, published and counted like real use.
Refused with ``DJANGO_ENV=production``. Idempotent: once the demo admin exists nothing is written
again; ``--if-empty`` also skips a database that already has any account.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Role, User
from accounts.services import create_user
from expedientes import services as expedientes
from expedientes.models import Estado
from expedientes.workflow import path_to
from orders import services as orders

# Development-only credentials, printed on purpose: the command refuses to run in production.
PASSWORD = "demo-password-2026"  # noqa: S105
ADMIN = "demo-admin"
CLERK = "demo-clerk"
CITIZENS = [("ana", "Ana García"), ("luis", "Luis Martínez"), ("marta", "Marta López")]
CATALOG = {
    "Tasas": [("Tasa de registro", "12.50", 1000), ("Certificado urgente", "30.00", 200)],
    "Publicaciones": [("Guía de trámites", "8.90", 50), ("Boletín anual", "15.00", 0)],
}
# (citizen index, product names and quantities, steps taken by the owner or the clerk)
ORDERS: list[tuple[int, list[tuple[str, int]], list[str]]] = [
    (0, [("Tasa de registro", 1)], []),
    (0, [("Guía de trámites", 2)], ["confirm"]),
    (1, [("Certificado urgente", 1), ("Tasa de registro", 1)], ["confirm", "approve", "ship"]),
    (1, [("Guía de trámites", 1)], ["confirm", "approve", "ship", "deliver"]),
    (2, [("Tasa de registro", 2)], ["cancel"]),
]
OWNER_STEPS = {"confirm", "cancel"}


class Command(BaseCommand):
    help = "Load a small demo data set (development only; idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any account exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError("The demo data set is for development only (DJANGO_ENV=production).")
        if User.objects.filter(username=ADMIN).exists():
            self.stdout.write("demo: already loaded")
            self._print_logins()
            return
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("demo: the database already has accounts; nothing loaded")
            return
        with transaction.atomic():
            self._load()
        self.stdout.write(self.style.SUCCESS("demo: loaded"))
        self._print_logins()

    def _load(self) -> None:
        def user(username: str, full_name: str, role: str) -> User:
            return create_user(
                email=f"{username}@demo.expedientes.local",
                username=username,
                password=PASSWORD,
                full_name=full_name,
                role=role,
            )

        admin = user(ADMIN, "Demo Admin", Role.ADMIN)
        clerk = user(CLERK, "Demo Clerk", Role.CLERK)
        citizens = [user(username, name, Role.CITIZEN) for username, name in CITIZENS]

        for n, estado in enumerate(Estado, start=1):
            owner = citizens[n % len(citizens)]
            expediente = expedientes.create_expediente(
                actor=owner,
                numero=f"DEMO-{n:04d}",
                solicitante=owner.full_name,
                concepto=f"Solicitud de ejemplo ({estado.label})",
            )
            expedientes.add_documento(
                expediente_id=expediente.pk,
                actor=owner,
                nombre="solicitud.txt",
                tipo="solicitud",
                upload=io.BytesIO(f"Solicitud {expediente.numero} de {owner.full_name}\n".encode()),
            )
            for step in path_to(estado):
                expedientes.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=step)

        products: dict[str, int] = {}
        for category_name, items in CATALOG.items():
            category = orders.create_category(
                actor=admin, fields={"name": category_name, "slug": category_name.lower()}
            )
            for name, price, stock in items:
                product = orders.create_product(
                    actor=admin,
                    fields={"name": name, "category": category, "price": Decimal(price), "stock": stock},
                )
                products[name] = product.pk

        for citizen_index, lines, steps in ORDERS:
            owner = citizens[citizen_index]
            order = orders.create_order(
                user=owner,
                items=[{"product_id": products[name], "quantity": quantity} for name, quantity in lines],
                shipping_address=f"Calle Mayor {citizen_index + 1}, Madrid",
            )
            for action in steps:
                orders.transition_order(
                    actor=owner if action in OWNER_STEPS else clerk, order_id=order.pk, action=action
                )

    def _print_logins(self) -> None:
        self.stdout.write(
            f"demo logins (development only, password {PASSWORD!r}): "
            f"admin {ADMIN!r} (/admin/), clerk {CLERK!r}, citizens "
            + ", ".join(repr(username) for username, _ in CITIZENS)
        )
