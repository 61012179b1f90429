"""The sizes of one ``manage.py seed`` run and the parameters its SQL reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seeding import data
from seeding.sql.common import SPAN_DAYS


@dataclass(frozen=True)
class Plan:
    seed: int
    users: int
    clerks: int
    expedientes: int
    orders: int
    products: int
    chunk: int

    @property
    def citizens(self) -> int:
        return self.users - self.clerks - 1

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "clerk0": 2,
            "clerks": self.clerks,
            "citizen0": self.clerks + 2,
            "citizens": self.citizens,
            "heavy": self.clerks + 2,
            "products": self.products,
            "exp_step": f"{SPAN_DAYS * 86400 / max(self.expedientes, 1):.6f} seconds",
            "ord_step": f"{SPAN_DAYS * 86400 / max(self.orders, 1):.6f} seconds",
            "first": data.FIRST_NAMES,
            "surnames": data.SURNAMES,
            "tramites": data.TRAMITES,
            "streets": data.STREETS,
            "cities": data.CITIES,
            "documentos": [name for name, _ in data.DOCUMENTOS],
            "tipos": [tipo for _, tipo in data.DOCUMENTOS],
        }
