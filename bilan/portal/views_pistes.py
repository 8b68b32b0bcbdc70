"""Portal views (to be written)."""

urlpatterns: list = []
