"""model-bakery recipes for rows the tests build directly in the database.

``recipes.product.make(stock=5)``; the fixtures ``make_category`` and
``make_product`` (tests/integration/orders/conftest.py) number the names per test. Users and
expedientes are not recipes: they are made through ``User.objects.create_user`` (which syncs the
role's groups) and the expedientes services (tests/support/expedientes.py), as the application
makes them.
"""

from __future__ import annotations

from decimal import Decimal

from model_bakery.recipe import Recipe

category = Recipe("orders.Category")

product = Recipe("orders.Product", price=Decimal("10.00"), stock=10)
