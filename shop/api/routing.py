"""Several operations on one URL: one APIView class each, picked by the HTTP method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from rest_framework.views import APIView


class Operations(APIView):
    """Dispatches each method to its own view; others get 405 with `Allow`.

    drf-spectacular documents each operation from its own class (see schema.Generator).
    """

    operations: ClassVar[dict[str, Callable[..., HttpResponse]]] = {}
    classes: ClassVar[dict[str, type[APIView]]] = {}
    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = []

    @property
    def allowed_methods(self) -> list[str]:
        present = {*self.classes, "options"} | ({"head"} if "get" in self.classes else set())
        return [method.upper() for method in self.http_method_names if method in present]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = request.method.lower()
        if method == "head":
            method = "get"
        operation = self.operations.get(method)
        if operation is None:
            return super().dispatch(request, *args, **kwargs)
        return operation(request, *args, **kwargs)


def operations(**views: type[APIView]) -> Callable[..., HttpResponse]:
    """`path("api/x", operations(get=XDetailApi, patch=XChangeApi))`."""
    routed = type(
        "Operations",
        (Operations,),
        {
            "classes": dict(views),
            "operations": {method: view.as_view() for method, view in views.items()},
        },
    )
    return routed.as_view()
