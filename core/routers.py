from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Routes that answer with and without a trailing slash, never redirecting (docs/api-guide.md#general-rules)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
