"""The conference: set-up by the editors, and the home pages of each side."""
