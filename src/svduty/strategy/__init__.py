"""The strategy: versions, priorities, annual activity plans, actions and progress, annual review."""
