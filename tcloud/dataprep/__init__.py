"""Data preparation: preparations as lists of steps, the grid, full runs."""
