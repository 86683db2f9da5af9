"""The platform's own endpoints: accounts, command status, problem types, the schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop.api.accounts import SignupApi, TokenApi
from shop.api.command_status import CommandDetailApi
from shop.api.problem_types import ProblemTypeApi

urlpatterns = [
    path("auth/signup", SignupApi.as_view(), name="signup"),
    path("auth/token", TokenApi.as_view(), name="token"),
    path("commands/<uuid:commandId>", CommandDetailApi.as_view(), name="command"),
    path("problems/<slug:slug>", ProblemTypeApi.as_view(), name="problem-type"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its start-up script as two requests: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]
