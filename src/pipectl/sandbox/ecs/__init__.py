"""ECS in the sandbox: services whose deployments roll, their tasks, their history."""
