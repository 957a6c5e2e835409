"""Roundtable's studio: the Streamlit app, the run engine that drives conversations, and the CLI."""
