"""Gateway adapters: read the sender and the text, check the signature, format the reply.

Generic: JSON ``{"from": …, "text": …}`` with ``X-Timestamp`` (Unix seconds) and ``X-Nonce``
(8 to 64 letters, digits, ``-`` or ``_``), signed with ``X-Signature: <hex HMAC-SHA256(secret,
"<timestamp>.<nonce>." + raw body)>`` (``sha256=`` prefix accepted), reply JSON ``{"reply": …}``.
The view refuses a timestamp too far from now and a nonce already seen (replays).
Twilio: form fields ``From``/``Body`` signed with ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth
token, URL + sorted parameters)), reply TwiML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape  # nosec B406: escapes XML we write; nothing is parsed


class BadRequest(ValueError):
    """A signed request whose content cannot be read."""


@dataclass
class Incoming:
    sender: str
    text: str


# --- generic ---------------------------------------------------------------------------------


def generic_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def signed_message(body: bytes, timestamp: str, nonce: str) -> bytes:
    """What the generic signature covers: the timestamp and the nonce, then the raw body."""
    return f"{timestamp}.{nonce}.".encode("ascii") + body


def read_stamp(timestamp: str | None, nonce: str | None, now: float, max_age: int) -> tuple[str, str] | None:
    """The (timestamp, nonce) headers when well formed and the timestamp within ``max_age``
    seconds of ``now``; None otherwise."""
    timestamp, nonce = (timestamp or "").strip(), (nonce or "").strip()
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and NONCE.fullmatch(nonce)):
        return None
    if abs(now - int(timestamp)) > max_age:
        return None
    return timestamp, nonce


def verify_generic(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    return hmac.compare_digest(generic_signature(secret, body), given.lower())


def parse_generic(body: bytes) -> Incoming:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: JSON nested thousands deep (json's C parser recurses per level).
        raise BadRequest("Corps JSON illisible.") from None
    if not isinstance(data, dict) or not isinstance(data.get("from"), str):
        raise BadRequest("Champ « from » manquant.")
    text = data.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise BadRequest("Le champ « text » doit être une chaîne.")
    return Incoming(data["from"], text)


def generic_response(reply: str) -> dict:
    return {"reply": reply}


# --- Twilio ----------------------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params) -> str:
    """Twilio's algorithm: the full URL, then each POST parameter sorted by name as name+value
    (repeated names: every value, sorted), HMAC-SHA1 with the auth token, base64."""
    if hasattr(params, "lists"):
        items = dict(params.lists())
    else:
        items = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    payload = url + "".join(key + value for key in sorted(items) for value in sorted(items[key]))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port and with the scheme's default port: Twilio's own
    validators accept all three since proxies and Twilio disagree on writing the port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url, urlunsplit(parts._replace(netloc=host))]
    if default_port:
        variants.append(urlunsplit(parts._replace(netloc=f"{host}:{default_port}")))
    return list(dict.fromkeys(variants))


def verify_twilio(auth_token: str, url: str, params, header: str | None) -> bool:
    if not auth_token or not header:
        return False
    given = header.strip()
    return any(hmac.compare_digest(twilio_signature(auth_token, u, params), given) for u in _url_variants(url))


def parse_twilio(params) -> Incoming:
    sender = params.get("From", "")
    if not sender:
        raise BadRequest("Champ « From » manquant.")
    return Incoming(sender, params.get("Body", ""))


def twilio_message_id(params) -> str:
    """Twilio's ``MessageSid``, signed with the rest: the nonce that tells a replay."""
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    if not NONCE.fullmatch(sid):
        raise BadRequest("Champ « MessageSid » manquant.")
    return sid


def twiml_response(reply: str) -> str:
    if not reply:
        return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(reply)}</Message></Response>'
