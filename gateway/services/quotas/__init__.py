"""Limits per key, team, model and key-and-model: rates, tokens, concurrency and USD budgets.

`QuotaService` (service.py) is what the pipeline calls; the stores behind it are in-process
(memory.py, the default) or Redis (redis_backend.py, atomic Lua scripts shared by every process).
"""

from gateway.services.quotas.base import Reservation
from gateway.services.quotas.service import QuotaService

__all__ = ["QuotaService", "Reservation"]
