"""Work outside the request: proceedings builds and the mail sender (infrastructure, not business)."""
