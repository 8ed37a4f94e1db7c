"""Document import: format checks, LibreOffice conversion to .docx, mammoth in a child process, messages for the user."""
