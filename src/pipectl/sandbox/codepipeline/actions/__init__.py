"""The pipeline's actions, one runner per kind (Source, CodeBuild, ECS deploy, Commands) behind
one protocol (:class:`base.ActionRunner`)."""
