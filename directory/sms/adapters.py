"""Gateway adapters: read the sender and the text, check the signature, format the reply.

Generic: JSON ``{"from": …, "text": …}`` signed with ``X-Signature: <hex HMAC-SHA256(secret,
raw body)>`` (``sha256=`` prefix accepted), reply JSON ``{"reply": …}``.
Twilio: form fields ``From``/``Body`` signed with ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth
token, URL + sorted parameters)), reply TwiML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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
    except (UnicodeDecodeError, json.JSONDecodeError):
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


def twiml_response(reply: str) -> str:
    if not reply:
        return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(reply)}</Message></Response>'
