"""Follow-up rounds: scope, opening, administration, round files, reminders and escalation."""
