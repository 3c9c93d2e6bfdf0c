"""A seat's Socket.IO connect proves the key of the device its token names.

A booth's or office's seat token is a bearer string, and so is the device's credential: either
can be copied out of the kiosk. So a seat of an enrolled device connects with both and a fresh
proof of the device's key (``devices.proof``), signed for method ``CONNECT`` and target
``/socket.io/<namespace>``, under the same window and one-time nonce rules as an API call. The
credential must be the live credential of the very device the token names. A device with no
live credential at all (never enrolled: the dev tokens of ``majlis demo room``, the signalling
tests' seats) still connects with the token alone — a transitional rule, docs/PROTOCOL.md.
"""

from __future__ import annotations

from datetime import datetime

from yarl import URL

from devices.directory import KeyDirectory
from devices.errors import ProofInvalid, ProofRequired
from devices.proof import DeviceProofs
from devices.service import CREDENTIAL_PREFIX, DeviceService

CONNECT_METHOD = "CONNECT"


def connect_target(namespace: str) -> URL:
    """What a seat's connect proof names: ``/socket.io/booth`` or ``/socket.io/office``."""
    return URL(f"/socket.io{namespace}")


class SeatProofs:
    """Checks a seat's connect against its device's enrollment and key."""

    def __init__(
        self, devices: DeviceService, proofs: DeviceProofs, directory: KeyDirectory
    ) -> None:
        self._devices = devices
        self._proofs = proofs
        self._directory = directory

    async def prove_seat(
        self, device: str, credential: object, proof: object, namespace: str, now: datetime
    ) -> bool:
        """Accept the connect of a seat of ``device`` on ``namespace``, or raise
        ``device_revoked``, ``proof_required`` or ``proof_invalid``; whether the device is
        enrolled (False: never enrolled, the token alone seats it)."""
        self._devices.check_not_revoked(device)
        if not await self._devices.is_enrolled(device):
            return False  # never enrolled: the seat token alone (transitional)
        if not isinstance(credential, str) or not credential.startswith(CREDENTIAL_PREFIX):
            raise ProofRequired("this seat's device is enrolled: send its credential and proof")
        if not isinstance(proof, str) or not proof:
            raise ProofRequired("sign the connect with the device's key")
        found, key = await self._devices.authenticate(credential)
        if found.name != device:
            raise ProofInvalid("the credential is another device's")
        self._proofs.check(device, key, proof, CONNECT_METHOD, connect_target(namespace), now)
        return True

    async def registered_key(self, device: str) -> dict[str, str] | None:
        """The public key (JWK) ``device`` registered at enrollment, or None."""
        key = await self._devices.registered_key(device)
        return key.jwk() if key is not None else None

    async def endorsement(self, device: str) -> dict[str, object] | None:
        """The administrators' endorsement of that key ({by, signature}) and the directory's
        trusted keys, or None: not endorsed (devices.directory)."""
        endorsement = await self._directory.endorsement(device)
        if endorsement is None:
            return None
        keys = [key.public() for key in await self._directory.trusted()]
        return {"by": endorsement.by, "signature": endorsement.signature, "keys": keys}
