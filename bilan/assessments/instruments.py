"""The instruments we administer, as versioned data (bilan/assessments/data/<code>_v<n>.json).

An instrument file is immutable once shipped: a change of items, keys or wording is a new
version, and an administration keeps the code and version it was taken with, so results stay
readable as they were scored. Nothing here touches the database.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FILE_NAME = re.compile(r"^(?P<code>[a-z0-9_]+)_v(?P<version>\d+)\.json$")

# Families answered item by item on the response scale (the card sorts come later).
ITEM_FAMILIES = ("riasec", "big_five")


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    data: dict[str, Any]

    @property
    def family(self) -> str:
        return self.data["family"]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def about(self) -> dict[str, Any]:
        return self.data["about"]

    @property
    def items(self) -> list[dict[str, Any]]:
        """In presentation order."""
        return self.data.get("items", [])

    @functools.cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item["id"] for item in self.items)

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(choice["value"] for choice in self.data.get("response_scale", []))

    @property
    def scales(self) -> list[dict[str, Any]]:
        """RIASEC types, or Big Five domains."""
        return self.data.get("scales") or self.data.get("domains") or []

    @property
    def facets(self) -> list[dict[str, Any]]:
        return self.data.get("facets", [])

    @property
    def norms(self) -> dict[str, Any] | None:
        return self.data.get("norms")

    def scale(self, code: str) -> dict[str, Any]:
        return next(s for s in self.scales if s["code"] == code)

    def facet(self, code: str) -> dict[str, Any]:
        return next(f for f in self.facets if f["code"] == code)

    @property
    def answered_by_item(self) -> bool:
        return self.family in ITEM_FAMILIES


class UnknownInstrument(LookupError):
    pass


@functools.cache
def _catalogue() -> dict[tuple[str, int], Instrument]:
    found = {}
    for path in sorted(DATA.glob("*.json")):
        match = FILE_NAME.match(path.name)
        if not match:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        code, version = match["code"], int(match["version"])
        if (data["code"], data["version"]) != (code, version):
            raise ValueError(f"{path.name}: its code/version say {data['code']} v{data['version']}")
        found[(code, version)] = Instrument(code=code, version=version, data=data)
    return found


def get_instrument(code: str, version: int | None = None) -> Instrument:
    """The instrument `code` at `version`, or its latest version."""
    versions = [i for (c, _v), i in _catalogue().items() if c == code]
    if version is not None:
        versions = [i for i in versions if i.version == version]
    if not versions:
        raise UnknownInstrument(code)
    return max(versions, key=lambda i: i.version)


def latest_instruments(*, answered_by_item: bool | None = None) -> list[Instrument]:
    latest: dict[str, Instrument] = {}
    for instrument in _catalogue().values():
        if instrument.version > getattr(latest.get(instrument.code), "version", 0):
            latest[instrument.code] = instrument
    found = sorted(latest.values(), key=lambda i: ORDER.get(i.code, 99))
    if answered_by_item is not None:
        found = [i for i in found if i.answered_by_item == answered_by_item]
    return found


ORDER = {
    "riasec_48": 0,
    "ipip_neo_120": 1,
    "mini_ipip_20": 2,
    "work_values": 3,
    "self_assessment": 4,
}
