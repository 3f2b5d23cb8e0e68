"""Lambda proxy handlers of the multi-file example (``specs/features/multi-file/api.yaml``).

A spec reaches code only inside its own folder tree (AGW143), so this example carries its own small
handlers: REST Lambda proxy events (payload 1.0) in, Lambda proxy responses out, over a fixed list.
"""

from __future__ import annotations

import json
from typing import Any

PETS = {1: {"id": 1, "name": "Fido", "type": "dog"}, 2: {"id": 2, "name": "Whiskers", "type": "cat"}}


def _response(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def list_pets(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _response(200, list(PETS.values()))


def get_pet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raw = (event.get("pathParameters") or {}).get("petId", "")
    pet = PETS.get(int(raw)) if raw.isdigit() else None
    return _response(200, pet) if pet else _response(404, {"message": "pet not found"})


def create_pet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        pet = json.loads(event.get("body") or "null")
    except ValueError:
        return _response(400, {"message": "body is not JSON"})
    return _response(201, pet)
