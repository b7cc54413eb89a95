"""Substitutes and hand-overs: who answers for whom, and when."""
