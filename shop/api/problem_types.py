"""`GET /api/problems/{slug}`: Shop's problem types, resolvable as RFC 9457 suggests."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.problems import TYPES, type_uri


class ProblemTypeApi(APIView):
    """`GET /api/problems/{slug}`: what one of Shop's problem types means."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    uses_database = False

    @extend_schema(
        summary="What a problem type means",
        responses={
            200: inline_serializer(
                "ProblemType",
                {"type": serializers.CharField(), "title": serializers.CharField(),
                 "description": serializers.CharField()},
            ),
        },
    )  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        if slug not in TYPES:
            raise exceptions.NotFound("No such problem type.")
        title, description = TYPES[slug]
        return Response({"type": type_uri(slug), "title": title, "description": description})
