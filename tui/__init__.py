"""The faces of newsreader: the Textual reader (``app.py``) and the command line (``cli.py``)."""
