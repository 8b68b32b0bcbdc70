"""REST API v1: the NinjaAPI object (bilan/api/base.py) with every feature's router mounted.
Each feature's operations live in its own folder (`<feature>/api*.py`); this module only
assembles them, so nothing imports it but the URLconf and the tests."""

from __future__ import annotations

from bilan.api import bilans, organisations
from bilan.api.base import api
from bilan.api.schemas import ErrorOut
from bilan.assessments import api as assessments
from bilan.billing import api as billing
from bilan.careers import api_matching, api_metiers, api_pistes
from bilan.documents import api as synthese
from bilan.entretiens import api as entretiens
from bilan.entretiens import api_assignments, api_attendance, api_guides, api_notes
from bilan.exchanges import api as exchanges
from bilan.exercises import api as exercises
from bilan.followup import api as followup
from bilan.funding import api as funding
from bilan.lifecycle import api as lifecycle
from bilan.quality import api as quality
from bilan.quality import api_complaints, api_improvements

__all__ = ["api"]

for feature in (
    bilans,
    organisations,
    api_guides,
    entretiens,
    api_attendance,
    api_assignments,
    api_notes,
    assessments,
    exercises,
    exchanges,
    api_metiers,
    api_matching,
    api_pistes,
    followup,
    synthese,
    billing,
    lifecycle,
    quality,
    api_complaints,
    api_improvements,
    funding,
):
    api.add_router("", feature.router)


def declare_body_errors() -> None:
    """Every operation taking a JSON body may answer 400 (malformed JSON), 413 (too large)
    and 415 (not JSON), in the error shape: declared once here rather than at each route.
    It uses ninja's operation internals (1.7): test_contract.py fails if that stops working."""
    for router in (api.default_router, *(router for _, router in api._routers)):
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if any(m.__ninja_param_source__ == "body" for m in operation.models):
                    for code in BODY_ERRORS:
                        operation.response_models.setdefault(
                            code, operation._create_response_model(ErrorOut)
                        )


BODY_ERRORS = (400, 413, 415)
declare_body_errors()
