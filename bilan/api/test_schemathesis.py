"""Every operation of API v1 fuzzed by schemathesis, in-process through the WSGI app, once with
a consultant's token and once with a beneficiary's: no 5xx, and every answer is documented
(status code, content type, body schema). Examples are few and derandomized (deterministic in
CI); path ids are either generated or the cast's real objects, so the calls reach the code
behind the 404s; each call is rolled back. A run prints its figures (operations, calls,
statuses). No operation is excluded."""

from __future__ import annotations

import collections
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bilan.accounts.models import ApiToken
from bilan.assessments.instruments import latest_instruments
from bilan.bilans.models import Status
from bilan.careers import enquetes
from bilan.careers.models import Metier
from bilan.careers.test_pistes import free
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import default_guide
from bilan.entretiens.test_conduct import make_entretien
from bilan.lifecycle import requests
from bilan.lifecycle.models import RetentionRule

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation and role; BILAN_FUZZ_SCALE=20 (say) runs a longer, random exploration locally.
SCALE = int(os.environ.get("BILAN_FUZZ_SCALE", "1"))
EXAMPLES = {GenerationMode.POSITIVE: 8 * SCALE, GenerationMode.NEGATIVE: 4 * SCALE}


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes « old » connections when a request starts and ends; inside the
    test's transaction that closes PostgreSQL's connection (SQLite's in-memory one is never
    closed). Django's test client disconnects the same receiver around its requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(cast, rome) -> dict[str, Any]:
    """Real ids for the path parameters: a bilan in investigation with an entretien, a piste
    and its enquête."""
    entretien = make_entretien(cast)
    advance_to(cast.bilan, Status.INVESTIGATION)
    piste = free(cast.bilan)
    enquete = enquetes.plan_enquete(option=piste, by=cast.beneficiary, contact_name="Mme Lune")
    return {
        "bilan_id": cast.bilan.pk,
        "entretien_id": entretien.pk,
        "guide_id": default_guide().pk,
        "piste_id": piste.pk,
        "enquete_id": enquete.pk,
        "key": "free",
        "code": latest_instruments()[0].code,
        "code_rome": Metier.objects.order_by("code_rome").first().code_rome,
        "rule_id": RetentionRule.objects.filter(organisation=None).order_by("pk").first().pk,
        "data_request_id": requests.create_request(
            bilan=cast.bilan, by=cast.beneficiary, kind="access"
        ).pk,
    }


def fuzz(operation: Any, token: str, world: dict[str, Any], mode: GenerationMode) -> dict:
    real = {p.name: world[p.name] for p in operation.path_parameters if p.name in world}
    strategy = operation.as_strategy(generation_mode=mode)
    if real:
        strategy = st.one_of(
            strategy, operation.as_strategy(generation_mode=mode, path_parameters=real)
        )
    found: dict = {"calls": 0, "statuses": collections.Counter(), "failures": []}

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=SCALE == 1,  # deterministic in CI
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        # Each example starts from the same world: a random transition (abandon…) made by
        # one example would otherwise turn every later call into a 409.
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        found["calls"] += 1
        found["statuses"][response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as failure:  # collected, reported together below
            found["failures"].append(f"{operation.label}: {failure}"[:2000])

    run()
    return found


@pytest.mark.parametrize("who", ["consultant", "beneficiary"])
def test_every_operation_answers_as_documented_and_never_5xx(cast, world, who, capsys):
    token = ApiToken.issue(getattr(cast, who))
    calls, statuses, failures = 0, collections.Counter(), []
    started = dt.datetime.now()
    for operation in OPERATIONS:
        for mode in EXAMPLES:
            found = fuzz(operation, token, world, mode)
            calls += found["calls"]
            statuses += found["statuses"]
            failures += found["failures"]
    with capsys.disabled():
        print(
            f"\nschemathesis as {who}: {len(OPERATIONS)} operations, {calls} calls in "
            f"{(dt.datetime.now() - started).total_seconds():.0f} s, statuses {dict(statuses)}"
        )
    assert len(OPERATIONS) == 174
    assert not failures, "\n\n".join(failures[:20]) + f"\n\n({len(failures)} failures)"
