"""A body: Markdown rendered and HTML sanitised by one allow-list."""
