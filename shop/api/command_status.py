"""`GET /api/commands/{commandId}[?wait=N]`: what became of a write.

Anyone signed in sees their own commands; staff see everyone's only with
`eventstore.view_command` (`consistency.visible_command`). Any other command is a 404,
whether it exists or not.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from eventstore.models import Command
from shop.api.consistency import visible_command, wait_while_pending
from shop.api.long_polls import long_poll
from shop.api.problems import problem_body
from shop.api.views import ApiView

MAX_WAIT = 30


def command_error(command: Command) -> dict | None:
    """A rejection's or failure's problem document; None otherwise.

    A rejection carries the domain's reason. A failure is a fault on our side, and its
    traceback stays in the inbox for the operators.
    """
    error = command.error or {}
    if command.status == Command.Status.REJECTED:
        detail = error.get("detail") or "The command was rejected."
        return problem_body(422, detail, "command-rejected", reason=error.get("type", ""))
    if command.status == Command.Status.FAILED:
        return problem_body(500, "The command could not be executed.", "command-failed")
    return None


class CommandProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    reason = serializers.CharField(required=False, help_text="The domain's error class.")


class CommandDetailApi(ApiView):
    permission_classes = [IsAuthenticated]
    problems = frozenset({404, 422})

    class Query(serializers.Serializer):
        wait = serializers.IntegerField(
            required=False, min_value=0, max_value=MAX_WAIT,
            help_text="Seconds to hold the answer while the command is pending.",
        )  # fmt: skip

    class Output(serializers.Serializer):
        id = serializers.UUIDField()
        status = serializers.ChoiceField(choices=Command.Status.choices)
        operation = serializers.CharField(help_text="The context and command, e.g. cart.AddItem.")
        createdAt = serializers.DateTimeField(source="created_at")
        executedAt = serializers.DateTimeField(source="executed_at", allow_null=True)
        position = serializers.IntegerField(
            allow_null=True, help_text="Global position of the last event it recorded."
        )
        error = serializers.SerializerMethodField(
            help_text="For a rejected or failed command, a problem document saying why."
        )

        @extend_schema_field(CommandProblemSerializer(allow_null=True))
        def get_error(self, command: Command) -> dict | None:
            return command_error(command)

    @extend_schema(
        parameters=[Query],
        responses={200: Output},
        summary="A command's status",
    )
    def get(self, request: Request, commandId: UUID) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        visible = visible_command(request, commandId)
        if visible is None:
            raise NotFound("You have submitted no such command.")
        wait = query.validated_data.get("wait", 0)
        if wait and visible.status == Command.Status.PENDING:
            with long_poll(request.user.pk):
                wait_while_pending(commandId, wait)
        command = Command.objects.get(pk=commandId)
        command.operation = f"{command.service_name}.{command.operation}"
        command.position = max(command.positions) if command.positions else None
        return Response(self.Output(command).data)
