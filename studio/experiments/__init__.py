"""Experiments: task sets run by teams x models, scored, and compared (no Streamlit here: the page
and the CLI share all of it)."""
