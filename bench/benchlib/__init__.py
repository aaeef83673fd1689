"""The pieces of ``bench/run.py``: timing, the sandbox, the project, the report."""
