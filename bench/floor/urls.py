"""The floor page: one query (20 rows of the content types) rendered by a 20-row template."""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


def floor(request: HttpRequest) -> HttpResponse:
    from django.contrib.contenttypes.models import ContentType

    rows = list(ContentType.objects.order_by("id").values_list("id", "app_label", "model")[:20])
    return render(request, "floor.html", {"rows": rows})


urlpatterns = [path("", floor)]
application = get_wsgi_application()
