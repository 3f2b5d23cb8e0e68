"""The support library of every generated gateway, copied verbatim into `<pkg>/_runtime/`.

Hand-written and tested here; the generated `app.py` only holds data (route table, integration
configs) and calls `app.from_environment`. Modules use relative imports and the runtime's own
dependencies (uvicorn, aiohttp), never `apigwc`, because the generated package must run in a
virtual environment without apigwc.
"""
