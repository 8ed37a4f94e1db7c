"""Submissions: drafting, versions and their comparison, attachments and their storage.

``bodies/`` holds the Markdown and HTML policy of a body; ``docx/`` the Word import.
"""
