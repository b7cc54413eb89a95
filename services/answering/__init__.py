"""Answering a round: recording answers from status cards and the view each viewer sees."""
