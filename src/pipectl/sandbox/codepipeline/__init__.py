"""CodePipeline in the sandbox: executions that run their stages' actions over time."""
