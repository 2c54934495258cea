"""What operators watch Strata with: Prometheus metrics, OpenTelemetry traces, invocation logs.

- ``metrics.py``     the metric families (GenAI semantic-convention names, ``strata_*`` for the rest)
- ``tally.py``       finished calls folded into per-label-set sums, applied to the families in bulk
- ``recorder.py``    the request path's side (an append) and the periodic task that folds and samples
- ``gauges.py``      what the periodic task samples: circuits, usage writer, local models, loop lag
- ``multiproc.py``   prometheus_client's multiprocess mode for ``strata serve --workers N``
- ``exposition.py``  the ``/metrics`` body
- ``tracing.py``     spans per request, stage and attempt, when an OTLP endpoint is configured
- ``invocations/``   per-request invocation records (bodies where enabled), written off the path
- ``observer.py``    the one object the request boundary hands each finished call to
"""
