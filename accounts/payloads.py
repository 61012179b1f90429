"""What the accounts app's audit trail and events carry: the API representation of a user.

Services build payloads here and never import serializers (the API's shapes live there).
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from accounts.serializers import user_representation


def user_payload(user: User) -> dict[str, Any]:
    return user_representation(user)
