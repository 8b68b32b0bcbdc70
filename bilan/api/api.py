"""REST API v1: token auth per user, OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="Bilan API", version="1", urls_namespace="api")
