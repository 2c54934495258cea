"""Routing: which deployment answers a call (see router.py), and how failures are survived."""

from gateway.services.routing.router import Router, Ticket

__all__ = ["Router", "Ticket"]
