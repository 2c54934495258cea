"""The HTTP server layer under the app: uvicorn's httptools protocol with deadlines for slow and
idle clients, a per-address connection cap, and protocol-level refusals in the JSON error shape.

``uvicorn_options(settings)`` (config.py) is the one uvicorn configuration, used by ``strata serve``
and by the tests' gateways alike.
"""
