"""Review: decisions, the thread of comments, the queue and the coverage of invitations."""
