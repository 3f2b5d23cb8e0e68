"""`apigwc.testing`: test an API spec from pytest as if it were deployed (`plugin.py` lists the
fixtures; `client.py` the clients). Importing this package imports nothing else."""
