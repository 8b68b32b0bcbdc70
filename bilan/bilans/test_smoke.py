from types import SimpleNamespace

from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to


def test_a_bilan_walks_through_its_whole_lifecycle(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.ARCHIVED)
    assert cast.bilan.status == Status.ARCHIVED
    assert [c.to_status for c in cast.bilan.status_changes.all()] == [
        "preliminary",
        "investigation",
        "conclusions",
        "closed",
        "follow_up",
        "archived",
    ]
