"""Errors of the engines app.

TcloudError
|- Unauthorized
|  |- PairingKeyUnknown      401  pairing-key-unknown
|  '- EngineRefused          401  engine-refused (unknown or revoked)
'- Conflict
   |- PairingKeyUsed         409  pairing-key-used
   '- PairingKeyExpired      409  pairing-key-expired
"""

from tcloud.platform.errors import Conflict, Unauthorized


class PairingKeyUnknown(Unauthorized):
    code, title = "pairing-key-unknown", "Unknown pairing key"


class PairingKeyUsed(Conflict):
    code, title = "pairing-key-used", "Pairing key already used"


class PairingKeyExpired(Conflict):
    code, title = "pairing-key-expired", "Pairing key expired"


class EngineRefused(Unauthorized):
    code, title = "engine-refused", "Engine refused"
