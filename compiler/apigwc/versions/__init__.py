"""Versions of one API: `apigwc diff OLD NEW` (`compare.py`), its codes (`codes.py`) and the
comparison of request models (`schemas.py`)."""
