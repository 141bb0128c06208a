"""The newsreader engine: sources in, a searchable library out.

Nothing in this package imports Textual or Rich; the terminal reader and the command line both talk to
:class:`newsreader.index.library.Library`, which is the only name they need from here.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
