"""Running conversations for the studio and the CLI: the engine, continuing old runs, exports."""
