"""Privacy: erasing a person's personal data without breaking the answer history."""
