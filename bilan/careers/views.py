"""Staff views (to be written)."""

urlpatterns: list = []
