"""Content negotiation that never answers 406: the API speaks JSON whatever ``Accept`` says."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONFallbackNegotiation(DefaultContentNegotiation):
    """A browser's ``Accept: text/html`` or a client asking for ``application/problem+json`` still
    gets the view's first renderer (JSON for the API); an explicit unknown ``?format=`` stays a 404."""

    def select_renderer(self, request: Any, renderers: list[Any], format_suffix: str | None = None) -> Any:
        if len(renderers) == 1 and not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            # One renderer and no ?format=: whatever Accept says, it is the answer (parsing Accept
            # would only pick it too). The response's Content-Type is the renderer's either way.
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            renderer = renderers[0]
            return renderer, renderer.media_type
