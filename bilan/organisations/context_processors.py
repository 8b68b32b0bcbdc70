from django.http import HttpRequest


def membership(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    m = getattr(user, "membership", None) if user is not None else None
    return {"membership": m, "organisation": m.organisation if m else None}
