"""The strategy: versions, priorities, yearly plans of actions and their progress, annual review."""
