"""Delivery to Teams: the outbox fan-out, the cards it carries, the sender, the Bot Connector,
pacing, proactive install, the workers and the scheduler."""
