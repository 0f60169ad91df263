"""The realistic network from shared/scenarios.md, as test data."""

from __future__ import annotations

TOKEN = "123456:TEST-TOKEN-vigil"
SECRET = "test-secret-key-that-is-long-enough-0123456789"

VERIFIER_GROUP = -1001000000001
OTHER_GROUP = -1001000000099
VADO_CHANNEL = -1002000000001  # bilingual
CLOVIS_EN_CHANNEL = -1002000000002
CLOVIS_ES_CHANNEL = -1002000000003
DOWNTOWN_CHANNEL = -1002000000004

ROSA = 5001  # resident, Spanish client
TOM = 5002  # resident, English client
ANA = 7001  # verifiers
LUIS = 7002
MARTA = 7003
STRANGER = 9001  # not in the verifier group
ADMIN = 7001


def network_toml(*, quorum: int = 2, extra: str = "") -> str:
    """The sample network; `extra` is appended (more neighborhoods, a [timeouts] table)."""
    return (
        _NETWORK.format(
            quorum=quorum,
            VERIFIER_GROUP=VERIFIER_GROUP,
            ADMIN=ADMIN,
            DOWNTOWN_CHANNEL=DOWNTOWN_CHANNEL,
            VADO_CHANNEL=VADO_CHANNEL,
            CLOVIS_EN_CHANNEL=CLOVIS_EN_CHANNEL,
            CLOVIS_ES_CHANNEL=CLOVIS_ES_CHANNEL,
        )
        + extra
    )


_NETWORK = """
verifier_group_id = {VERIFIER_GROUP}
admin_user_ids = [{ADMIN}]
quorum = {quorum}
default_language = "en"
timezone = "America/Denver"
hotline = "+1-575-555-0100"

[[neighborhoods]]
key = "las-cruces-downtown"
names = {{ en = "Downtown Las Cruces", es = "Centro de Las Cruces" }}
channels = [{{ chat_id = {DOWNTOWN_CHANNEL}, languages = ["en"] }}]
center = {{ latitude = 32.3128, longitude = -106.7781 }}
radius_km = 2.5

[[neighborhoods]]
key = "vado"
names = {{ en = "Vado", es = "Vado" }}
channels = [{{ chat_id = {VADO_CHANNEL}, languages = ["es", "en"] }}]
center = {{ latitude = 32.1115, longitude = -106.6625 }}
radius_km = 5

[[neighborhoods]]
key = "clovis"
names = {{ en = "Clovis", es = "Clovis" }}
channels = [
  {{ chat_id = {CLOVIS_EN_CHANNEL}, languages = ["en"] }},
  {{ chat_id = {CLOVIS_ES_CHANNEL}, languages = ["es"] }},
]
"""
