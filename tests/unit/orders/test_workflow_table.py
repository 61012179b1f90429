"""The order state machine as data (docs/api-guide.md#order-workflow): the table, who may take
each action, and which statuses give the stock back."""

from __future__ import annotations

import pytest

from orders.models import OrderStatus
from orders.workflow import RELEASING_STATUSES, TRANSITIONS, Step, Who, allowed_actions, may_take


def test_the_table_is_the_documented_one():
    assert {action: (sorted(step.sources), step.target, step.who) for action, step in TRANSITIONS.items()} == {
        "confirm": (["pending"], "confirmed", Who.OWNER_OR_STAFF),
        "approve": (["confirmed", "pending"], "approved", Who.STAFF),
        "reject": (["confirmed", "pending"], "rejected", Who.STAFF),
        "ship": (["approved"], "shipped", Who.STAFF),
        "deliver": (["shipped"], "delivered", Who.STAFF),
        "cancel": (["confirmed", "pending"], "cancelled", Who.OWNER_OR_STAFF),
    }


def test_rejected_and_cancelled_give_the_stock_back():
    assert frozenset({"rejected", "cancelled"}) == RELEASING_STATUSES


@pytest.mark.parametrize(
    ("who", "is_staff", "is_owner", "expected"),
    [
        (Who.STAFF, True, False, True),
        (Who.STAFF, False, True, False),
        (Who.STAFF, False, False, False),
        (Who.OWNER_OR_STAFF, True, False, True),
        (Who.OWNER_OR_STAFF, False, True, True),
        (Who.OWNER_OR_STAFF, False, False, False),
    ],
)
def test_may_take(who, is_staff, is_owner, expected):
    step = Step(frozenset({OrderStatus.PENDING}), OrderStatus.CONFIRMED, who)
    assert may_take(step.who, is_staff=is_staff, is_owner=is_owner) is expected


@pytest.mark.parametrize(
    ("status", "is_staff", "is_owner", "expected"),
    [
        ("pending", False, True, ["confirm", "cancel"]),
        ("pending", True, False, ["confirm", "approve", "reject", "cancel"]),
        ("pending", False, False, []),
        ("confirmed", False, True, ["cancel"]),
        ("confirmed", True, False, ["approve", "reject", "cancel"]),
        ("approved", True, False, ["ship"]),
        ("approved", False, True, []),
        ("shipped", True, False, ["deliver"]),
        ("delivered", True, False, []),
        ("cancelled", True, True, []),
        ("rejected", True, False, []),
    ],
)
def test_allowed_actions_consider_status_and_role(status, is_staff, is_owner, expected):
    assert allowed_actions(status, is_staff=is_staff, is_owner=is_owner) == expected
