"""Budget alerts: keys and teams carry alert rules; crossing one sends a signed webhook, once.

- ``rules.py``: the rules a key or team carries (the admin API's ``alerts`` field), validated.
- ``detect.py``: pure decisions: which thresholds a spend crosses in which period, and when a
  window's spend is anomalous.
- ``spend.py``: the spend per scope read from the usage ledger (daily roll-ups, recent records), as
  the budgets count it (cache hits of ``quota: full`` models at their original cost).
- ``store.py``: the ``budget_alerts`` table: inserted once per crossing (a unique constraint decides
  among gateway processes), claimed for delivery with a lease, listed for the admin API.
- ``owners.py``: where a redelivery goes: the URL the key's or team's rules name now.
- ``signing.py``: the ``x-strata-signature`` header (HMAC-SHA256, Stripe-style) and its check.
- ``webhook.py``: one delivery round: POST with retries and backoff, each attempt recorded.
- ``monitor.py``: the background task of each gateway process that ties them together.

Nothing here runs on the request path: the monitor reads what the usage writer already wrote.
"""
