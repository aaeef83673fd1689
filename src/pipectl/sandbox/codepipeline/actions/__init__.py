"""The pipeline's actions, one runner per kind (Source, CodeBuild, ECS deploy) behind
one protocol (:class:`base.ActionRunner`)."""
