"""The text catalogue: every user-facing text in Swedish and English, with locale formatting."""
