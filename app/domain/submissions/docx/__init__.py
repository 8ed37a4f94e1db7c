"""Word import: archive checks, conversion in a child process, messages for the user."""
