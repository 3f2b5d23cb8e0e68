"""A Lambda for a *non-proxy* (``type: aws``) integration (``specs/features/integration-lambda-custom.yaml``).

The event is whatever the request mapping template rendered, e.g. ``{"action": "get", "bookId": "1"}``.
The result is plain JSON, shaped by the response templates. Errors are raised as exceptions whose
message starts with a tag that the integration responses' selection patterns match:
``[NotFound] …`` -> 404, ``[BadRequest] …`` -> 400; any other exception -> 500.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
BOOKS: dict[str, dict[str, Any]] = {
    "1": {"id": "1", "title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin", "year": 1969},
    "2": {"id": "2", "title": "Kindred", "author": "Octavia E. Butler", "year": 1979},
}


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = event.get("action")
    if action == "get":
        book_id = str(event.get("bookId") or "")
        with _lock:
            book = BOOKS.get(book_id)
        if book is None:
            raise NotFound(f"[NotFound] no book with id {book_id!r}")
        return dict(book)
    if action == "create":
        book = event.get("book")
        if not isinstance(book, dict) or not book.get("title") or not book.get("author"):
            raise BadRequest("[BadRequest] title and author are required")
        with _lock:
            book_id = str(len(BOOKS) + 1)
            BOOKS[book_id] = {"id": book_id, "title": str(book["title"]), "author": str(book["author"]), "year": book.get("year")}
            return dict(BOOKS[book_id])
    raise BadRequest(f"[BadRequest] unknown action {action!r}")
