"""Turning stored events into the page. The live view and the replay use this same code."""
