"""The editors' proceedings area, and single-piece previews for everyone who may read a piece."""
