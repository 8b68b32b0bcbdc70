"""Property-based (hypothesis) over every form of the project and a few posts end to end:
hostile text (NUL, lone surrogates, very long), dates (0000-00-00, 9999-12-31…), times
(24:00) and numbers (NaN, inf, 1e308, -1, 10**30) never raise: a form either refuses them or
cleans them to a value the database can store; a page never answers 5xx and saves nothing."""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilan.api.test_api import Api
from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import default_guide
from bilan.entretiens.models import Entretien, EntretienNote
from bilan.exchanges.models import JournalEntry, Message
from bilan.lib.text import unstorable_reason

HOSTILE_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfffy", "é" * 5000, "x" * 100_001, " ", "<b>"]
HOSTILE_DATE = ["0000-00-00", "2027-13-01", "9999-12-31", "0001-01-01", "2026-02-30", "\x00"]
HOSTILE_TIME = ["24:00", "23:60", "-1:00", "99:99", "02:30", "\ud800"]
HOSTILE_NUMBER = ["NaN", "inf", "-inf", "1e308", "-1e308", "-1", "0", str(10**30), "²", "1,5"]
TEXT = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20)
EXAMPLES = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW_EXAMPLES = settings(EXAMPLES, max_examples=10)  # per form, besides the sweep below
MAX_INT = 2**63 - 1


def project_forms() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # noqa: B018 - imports every view module, hence every form
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("bilan.") and ".test_" not in sub.__module__:
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = project_forms()


def choice_keys(field: forms.ChoiceField) -> list[str]:
    choices = field.choices
    # Django normalises what a field is given: a list, or an iterator (over a callable, a query).
    assert isinstance(choices, list | BaseChoiceIterator), choices
    return [str(k) for k, _ in choices]


def value_for(field: forms.Field) -> st.SearchStrategy:
    if isinstance(field, forms.FileField | forms.ModelMultipleChoiceField):
        return st.just(None)
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "\x00"])
    if isinstance(field, forms.DateTimeField):
        return st.sampled_from([f"{d}T{t}" for d in HOSTILE_DATE[:3] for t in HOSTILE_TIME[:3]])
    if isinstance(field, forms.DateField):
        return st.sampled_from(HOSTILE_DATE)
    if isinstance(field, forms.TimeField):
        return st.sampled_from(HOSTILE_TIME)
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return st.sampled_from(HOSTILE_NUMBER) | TEXT
    if isinstance(field, forms.ModelChoiceField):
        return st.sampled_from([str(10**30), "-1", "1", "x", "\x00", "²"])
    if isinstance(field, forms.MultipleChoiceField):
        choices = choice_keys(field) or ["x"]
        return st.lists(st.sampled_from(choices) | TEXT, max_size=3)
    if isinstance(field, forms.ChoiceField):
        choices = choice_keys(field)
        return (st.sampled_from(choices) if choices else TEXT) | TEXT
    return TEXT


def build(
    form_class: type[forms.BaseForm], cast: SimpleNamespace, data: dict[str, Any]
) -> forms.BaseForm:
    """The form bound to `data`, given what its constructor requires from the cast."""
    known = {
        "bilan": cast.bilan,
        "organisation": cast.org,
        "user": cast.consultant,
        "options": [],
        "enquete": SimpleNamespace(questions=[{"id": "q1", "text": "Question"}]),
        "interview": default_guide().interviews()[0],
    }
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for name, param in inspect.signature(form_class.__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is param.empty:
            assert name in known, f"{form_class.__qualname__} needs {name}: teach this test"
            if param.kind is param.KEYWORD_ONLY:
                kwargs[name] = known[name]
            else:
                args.append(known[name])
    if issubclass(form_class, AuthenticationForm):  # built from the request first
        return form_class(None, data=data)
    # Each form's constructor is its own, read above: called as what the signature says.
    construct: Callable[..., forms.BaseForm] = form_class
    return construct(*args, data, **kwargs)


def storable(value: object) -> bool:
    if isinstance(value, str | dict | list):
        return unstorable_reason(value) is None
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -MAX_INT <= value <= MAX_INT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, decimal.Decimal):
        return value.is_finite()
    if isinstance(value, dt.date | dt.time):
        return True
    return True


def test_every_project_form_is_found() -> None:
    names = {c.__qualname__ for c in FORMS}
    assert {"MessageForm", "JournalEntryForm", "ScheduleForm", "BilanCreateForm"} <= names
    assert len(FORMS) >= 40


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_hostile_values_never_break_a_form_and_what_it_accepts_is_storable(
    cast: SimpleNamespace, form_class: type[forms.BaseForm]
) -> None:
    fields = build(form_class, cast, {}).fields

    @FEW_EXAMPLES
    @given(data=st.fixed_dictionaries({name: value_for(f) for name, f in fields.items()}))
    def check(data: dict[str, Any]) -> None:
        form = build(form_class, cast, {k: v for k, v in data.items() if v is not None})
        if form.is_valid():
            for name, value in form.cleaned_data.items():
                assert storable(value), (name, value)

    check()
    # And each hostile value of its kind alone in each field, the others left empty.
    for name, field in fields.items():
        for value in sweep_values(field):
            form = build(form_class, cast, {name: value})
            if form.is_valid():
                assert storable(form.cleaned_data[name]), (name, value, form.cleaned_data[name])


def sweep_values(field: forms.Field) -> Sequence[str | list[str]]:
    if isinstance(field, forms.FileField | forms.ModelMultipleChoiceField):
        return []
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return HOSTILE_DATE
    if isinstance(field, forms.TimeField):
        return HOSTILE_TIME
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return HOSTILE_NUMBER
    if isinstance(field, forms.MultipleChoiceField):
        return [[v] for v in HOSTILE_TEXT]
    return [*HOSTILE_TEXT, *HOSTILE_NUMBER]


# ---- end to end: no 5xx, nothing saved ---------------------------------------------------


def counts() -> tuple[int, ...]:
    return (
        Message.objects.count(),
        JournalEntry.objects.count(),
        EntretienNote.objects.count(),
        Entretien.objects.count(),
    )


FORM_TEXT = st.sampled_from(["\x00", "a\x00b", "x" * 100_001])
NOT_A_NUMBER = st.sampled_from(["NaN", "inf", "1e308", "-1", str(10**30), "²", "\x00"])


@EXAMPLES
@given(text=FORM_TEXT, number=NOT_A_NUMBER)
def test_hostile_posts_to_messages_journal_and_notes_give_no_5xx_and_save_nothing(
    cast: SimpleNamespace, text: str, number: str
) -> None:
    if not Entretien.objects.filter(bilan=cast.bilan).exists():
        advance_to(cast.bilan, Status.PRELIMINARY)
        Entretien.schedule(
            bilan=cast.bilan,
            by=cast.consultant,
            phase=Phase.PRELIMINARY,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            planned_minutes=90,
        )
    entretien = Entretien.objects.filter(bilan=cast.bilan).first()
    assert entretien is not None
    staff, portal = Client(raise_request_exception=False), Client(raise_request_exception=False)
    staff.force_login(cast.consultant)
    portal.force_login(cast.beneficiary)
    before = counts()
    calls = [
        (staff, reverse("exchanges:thread", args=[cast.bilan.pk]), {"text": text}),
        (
            staff,
            reverse("exchanges:thread", args=[cast.bilan.pk]),
            {"text": "ok", "assignment": number},
        ),
        (portal, reverse("portal:messages_bilan", args=[cast.bilan.pk]), {"text": text}),
        (portal, reverse("portal:journal_new"), {"entry_date": "2026-01-05", "text": text}),
        (portal, reverse("portal:journal_new"), {"entry_date": number, "text": "ok\x00"}),
        (
            staff,
            reverse("entretiens:note", args=[entretien.pk, "free"]),
            {"text": text, "base_version": "0"},
        ),
        (
            staff,
            reverse("entretiens:note", args=[entretien.pk, "free"]),
            {"text": "ok", "base_version": number},
        ),
    ]
    for client, url, body in calls:
        response = client.post(url, body)
        assert response.status_code < 500, (url, body, response.status_code)
    assert counts() == before


@EXAMPLES
@given(
    date=st.sampled_from(HOSTILE_DATE),
    time=st.sampled_from(HOSTILE_TIME[:4]),
    duration=NOT_A_NUMBER,
    place=FORM_TEXT,
)
def test_the_web_scheduling_form_never_fails_on_hostile_input(
    cast: SimpleNamespace, date: str, time: str, duration: str, place: str
) -> None:
    cast.bilan.refresh_from_db()
    if cast.bilan.status != Status.PRELIMINARY:
        advance_to(cast.bilan, Status.PRELIMINARY)
    client = Client(raise_request_exception=False)
    client.force_login(cast.consultant)
    before = counts()
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {"date": date, "time": time, "duration": duration, "modality": "in_person", "place": place},
    )
    assert response.status_code == 422
    assert counts() == before


@EXAMPLES
@given(
    text=st.sampled_from(["\x00", "\ud800", "a\udc00b"]) | st.text(max_size=10),
    starts_at=st.sampled_from(["9999-12-31T23:30:00Z", "0000-01-01", "2026-13-01T10:00:00Z"]),
)
def test_hostile_json_to_the_api_gives_no_5xx_and_saves_nothing_unstorable(
    cast: SimpleNamespace, text: str, starts_at: str
) -> None:
    api = Api(cast)
    before = counts()
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("beneficiary", f"/bilans/{cast.bilan.pk}/messages", {"text": text}),
        ("beneficiary", f"/bilans/{cast.bilan.pk}/journal", {"text": text, "title": text}),
        (
            "beneficiary",
            f"/bilans/{cast.bilan.pk}/experiences",
            {"kind": "job", "title": text, "start": starts_at[:7]},
        ),
        (
            "consultant",
            f"/bilans/{cast.bilan.pk}/entretiens",
            {"starts_at": starts_at, "planned_minutes": 60, "modality": "phone", "title": text},
        ),
    ]
    for who, path, body in calls:
        response = api.post(path, who, body)
        assert response.status_code < 500, (path, body, response.content[:300])
    if unstorable_reason(text):
        assert counts() == before
    for message in Message.objects.all():
        assert unstorable_reason(message.text) is None
