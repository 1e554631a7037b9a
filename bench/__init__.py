"""Benchmarks of the evidence explorer against bare Streamlit floors: `python -m bench.run_all`."""
