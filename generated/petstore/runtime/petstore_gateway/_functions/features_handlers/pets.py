"""Lambda proxy handlers for the pet store example (``specs/petstore.yaml``).

Each function takes a REST API Lambda proxy event (payload format 1.0) and a Lambda context and
returns a Lambda proxy response ``{"statusCode", "headers", "body"}``. The pets live in a
process-local dict seeded with a few animals, so every worker starts with the same store.
Plain Python 3.11+, standard library only.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from typing import Any

PET_TYPES = ("dog", "cat", "fish", "bird")

_SEED: tuple[dict[str, Any], ...] = (
    {"id": 1, "name": "Fido", "type": "dog", "price": 249.99},
    {"id": 2, "name": "Whiskers", "type": "cat", "price": 124.5},
    {"id": 3, "name": "Nemo", "type": "fish", "price": 0.99},
)

_lock = threading.Lock()
PETS: dict[int, dict[str, Any]] = {}
_next_id = 1


def reset() -> None:
    """Restore the seeded store (used by tests)."""
    global _next_id
    with _lock:
        PETS.clear()
        for pet in _SEED:
            PETS[pet["id"]] = dict(pet)
        _next_id = max(PETS) + 1


reset()


def _response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    out_headers = {"Access-Control-Allow-Origin": "*"}
    if body is not None:
        out_headers["Content-Type"] = "application/json"
    if headers:
        out_headers.update(headers)
    return {
        "statusCode": status,
        "headers": out_headers,
        "body": "" if body is None else json.dumps(body),
    }


def _error(status: int, message: str) -> dict[str, Any]:
    return _response(status, {"message": message})


def _pet_id(event: dict[str, Any]) -> int | None:
    raw = (event.get("pathParameters") or {}).get("petId", "")
    try:
        pet_id = int(raw)
    except (TypeError, ValueError):
        return None
    return pet_id if pet_id > 0 else None


def _json_body(event: dict[str, Any]) -> Any:
    body = event.get("body")
    if body is None or body == "":
        raise ValueError("request body is empty")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("request body is not valid base64 UTF-8") from exc
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"request body is not JSON: {exc.msg}") from exc


def list_pets(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """GET /pets[?type=dog][&limit=10]"""
    query = event.get("queryStringParameters") or {}
    limit = 100
    if query.get("limit") is not None:
        try:
            limit = int(query["limit"])
        except ValueError:
            return _error(400, "limit must be an integer")
        if not 1 <= limit <= 100:
            return _error(400, "limit must be between 1 and 100")
    wanted_type = query.get("type")
    with _lock:
        pets = [dict(p) for _, p in sorted(PETS.items())]
    if wanted_type:
        pets = [p for p in pets if p["type"] == wanted_type]
    return _response(200, pets[:limit])


def get_pet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """GET /pets/{petId}"""
    pet_id = _pet_id(event)
    with _lock:
        pet = PETS.get(pet_id) if pet_id is not None else None
        pet = dict(pet) if pet else None
    if pet is None:
        return _error(404, "Pet not found")
    return _response(200, pet)


def create_pet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """POST /pets with a NewPet body; answers 201 with the stored Pet."""
    global _next_id
    try:
        data = _json_body(event)
    except ValueError as exc:
        return _error(400, str(exc))
    if not isinstance(data, dict):
        return _error(400, "request body must be a JSON object")
    name, pet_type = data.get("name"), data.get("type")
    if not isinstance(name, str) or not name.strip():
        return _error(400, "name is required")
    if pet_type not in PET_TYPES:
        return _error(400, f"type must be one of {', '.join(PET_TYPES)}")
    price = data.get("price")
    if price is not None and (isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0):
        return _error(400, "price must be a non-negative number")
    pet: dict[str, Any] = {"name": name, "type": pet_type}
    if price is not None:
        pet["price"] = price
    if isinstance(data.get("tag"), str):
        pet["tag"] = data["tag"]
    with _lock:
        pet = {"id": _next_id, **pet}
        _next_id += 1
        PETS[pet["id"]] = pet
        pet = dict(pet)
    stage = (event.get("requestContext") or {}).get("stage", "")
    location = f"/{stage}/pets/{pet['id']}" if stage else f"/pets/{pet['id']}"
    return _response(201, pet, {"Location": location})


def delete_pet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DELETE /pets/{petId} (behind PetsAuthorizer); answers 204."""
    pet_id = _pet_id(event)
    with _lock:
        removed = PETS.pop(pet_id, None) if pet_id is not None else None
    if removed is None:
        return _error(404, "Pet not found")
    principal = ((event.get("requestContext") or {}).get("authorizer") or {}).get("principalId")
    headers = {"X-Deleted-By": str(principal)} if principal else None
    return _response(204, None, headers)
