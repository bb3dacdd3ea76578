"""HMAC signatures of Indodax private requests: always over the exact bytes sent.

TAPI v1, the deadman switch and the private-WS token use HMAC-SHA512; the full TAPI v2
uses HMAC-SHA256. The key is the UTF-8 bytes of the secret string, not hex-decoded.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

Algorithm = Literal["sha512", "sha256"]


def sign(secret: str, payload: str | bytes, algorithm: Algorithm = "sha512") -> str:
    body = payload.encode() if isinstance(payload, str) else payload
    return hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).hexdigest()


def signature_matches(
    secret: str, payload: str | bytes, signature: str, algorithm: Algorithm = "sha512"
) -> bool:
    """Constant-time check; the hex signature is not case-sensitive on Indodax."""
    return hmac.compare_digest(sign(secret, payload, algorithm), signature.strip().lower())
