"""CodeBuild in the sandbox: projects, builds that walk their phases, their effects."""
