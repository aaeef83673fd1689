"""One planner per AWS resource type."""
