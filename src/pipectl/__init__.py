"""pipectl: create, run and watch a CodeBuild -> ECS pipeline on AWS CodePipeline."""

__version__ = "0.1.0"
