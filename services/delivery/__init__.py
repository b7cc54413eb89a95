"""Delivery to Teams: the outbox fan-out, sender, Bot Connector, pacing, proactive install, workers and scheduler."""
