"""The HTTP server's edge: what uvicorn hands the gateway.

Flows in: bytes on a socket, parsed by uvicorn. Flows out: an ASGI scope whose headers keep the
names as the client wrote them (`HEADER_NAMES`) and that records oversize request lines and headers
(`OVERSIZE`), for `pipeline.gateway` to answer as API Gateway does.
"""
