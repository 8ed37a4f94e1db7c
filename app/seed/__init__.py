"""Demo data: the 2024 conference, its accounts, and sample pieces in every state."""
