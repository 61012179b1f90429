"""Plain helpers the tests share (no fixtures: those live in the conftest.py files).

- ``api``: the schema-checking API client, tokens, login and problem+json assertions.
- ``admin``: admin URLs and the messages a page shows.
- ``concurrency``: real threads released together by a barrier.
- ``e2e``: live servers and workers (database URL, polling, the Celery broker, admin login).
- ``expedientes``: expediente URLs and a factory that walks one to any estado.
- ``fakes``: a fake DNS for the webhook tests (no name is ever resolved over the network).
- ``http_server``: a loopback HTTP server in a thread, for the fakes of a provider or a receiver.
- ``files``: real file bytes (PNG, PDF) and the storage backends' settings.
- ``metrics``: ``GET /metrics`` parsed as Prometheus would.
- ``openapi``: responses checked against the generated OpenAPI document.
- ``outbox``: events recorded as a domain service records them (``user.registered``).
- ``plans``: ``EXPLAIN (FORMAT JSON)`` plans as lists of nodes, and big tables committed for the planner.
- ``receivers``: a webhook receiver on loopback that counts the connections and requests it saw.
- ``recipes``: model-bakery recipes for users and the catalog.
"""
