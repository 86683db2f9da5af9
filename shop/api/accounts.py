"""Signing up and signing in: `POST /api/auth/signup` and `POST /api/auth/token`.

Both answer a new API token for `Authorization: Token <token>`, valid until `expiresAt`
(SHOP_TOKEN_TTL) and only while the password stays the same (`shop.tokens`). They are
not commands (no 202, no Idempotency-Key): a retried signup answers 422 for the
now-taken username, and a retried sign-in hands out one more token (a user may hold
several, one per device).
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from shop import account_names
from shop.api.serializers import StrictSerializer, validated
from shop.api.views import ApiView
from shop.tokens.keys import Issued, issue


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiresAt = serializers.DateTimeField(help_text="When the token stops working.")


def token_answer(issued: Issued) -> dict:
    return TokenSerializer({"token": issued.key, "expiresAt": issued.expires}).data


def sign_up(username: str, password: str, email: str) -> Issued:
    """A new customer account and its token; ValidationError for a username or email
    another account holds (in any case) or a password the configured validators refuse."""
    user = User(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"password": list(error.messages)}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a twin signed up since the check: the indexes said no
        refused = account_names.refused_by_index(error)
        if not refused:
            raise
        raise exceptions.ValidationError({f: [m] for f, m in refused.items()}) from None
    return issue(user)


class SignupApi(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    beyond_schema: ClassVar[dict[str, str]] = {
        "username": "must not be another account's, in any case (else 422).",
        "email": "must not be another account's, in any case (else 422).",
        "password": "must pass the configured password checks: long enough, not too like"
        " the username or email, not a common password, not all digits (else 422).",
    }

    class Input(StrictSerializer):
        username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
        password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
        email = serializers.EmailField(max_length=254)

        def validate_username(self, value: str) -> str:
            if account_names.username_taken(value):
                raise serializers.ValidationError(account_names.USERNAME_TAKEN)
            return value

        def validate_email(self, value: str) -> str:
            if account_names.email_taken(value):
                raise serializers.ValidationError(account_names.EMAIL_TAKEN)
            return value

    @extend_schema(request=Input, responses={201: TokenSerializer}, summary="Create an account")
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        issued = sign_up(data["username"], data["password"], data["email"])
        return Response(token_answer(issued), status=201)


class TokenApi(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    problems = frozenset({401})

    class Input(StrictSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"

    @extend_schema(request=Input, responses={200: TokenSerializer}, summary="Get a token")
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        # Django's request, where django-axes marks a locked-out sign-in for its middleware
        # (shop.login_limits), which answers 429 in place of the 401.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise exceptions.AuthenticationFailed("Wrong username or password.")
        return Response(token_answer(issue(user)))
