"""Every output document, defined once (kinds.py), and what a document class is (base.py)."""
