"""`LoadError`: a corpus file that cannot be indexed, with a reason a person can act on. In its own
module so the readers (docx_text.py, html_text.py, pdf_text.py) and the loaders that call them can
all import it at the top of the file."""

from __future__ import annotations


class LoadError(Exception):
    """A file that cannot be indexed, with the reason."""
