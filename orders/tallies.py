"""Counters the database keeps for orders (installed by migration 0003_tally_triggers).

They answer the page-mode ``total`` of ``GET /orders`` (no filter, ``status``, ``user`` or a
customer's own list, and both) and the dashboard's count and sum of ``total`` per status.
"""

from core.tallies import TallySpec

BY_STATUS = TallySpec("orders_order", ("status",), amount="total")
BY_USER_STATUS = TallySpec("orders_order", ("user_id", "status"), amount="total")
TALLIES = (BY_STATUS, BY_USER_STATUS)
