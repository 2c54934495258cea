"""Usage accounting: one record per model call, queued on the request path, written in batches.

record.py   what a call's record says (built from its CallContext when the response is done)
writer.py   the bounded buffer and the one task that writes it (retried, idempotent, flushed at stop)
rollup.py   daily totals and latency histograms, updated in the same transaction as the records
queries.py  what the usage API asks: totals, daily series, raw records
"""
