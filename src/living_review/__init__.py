"""The review's own Sphinx extensions and tools (one concern per module)."""
