"""Outbound webhooks without a database: secrets, signing, target checks, one delivery
attempt, the retry schedule and a graceful stop for the worker loop.

The outbox tables, the subscription service and routes and the ``python -m app deliver`` loop
are built on top of this package; it imports nothing from the rest of the app.
"""
