"""The buildspec: one reader and one set of rules for validate, `build --local` and the sandbox.

``reader`` parses a buildspec (YAML with the line and column of every value) into a
:class:`~pipectl.buildspec.model.Buildspec` plus findings; ``rules`` states what
CodeBuild accepts (versions, phases, ``on-failure`` values, how a command is
recognised as docker); ``checks`` adds what depends on the build image
(``runtime-versions``, ``aws ecr get-login``) and ``imagedefs`` what the build writes
for the ECS deploy action. ``locate`` finds the buildspec file of a project inside a
source directory and never outside it.
"""
