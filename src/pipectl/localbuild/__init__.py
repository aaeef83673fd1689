"""``pipectl build --local``: run a buildspec's phases on this machine the way CodeBuild does.

The pieces, each small: :mod:`.buildspec` reads the file into what a run needs,
:mod:`.environment` builds CodeBuild's environment variables, :mod:`.shell` drives the
one shell a build runs in, and :mod:`.runner` applies CodeBuild's phase rules and yields
:mod:`.events`. Nothing here prints: ``pipectl.ui.build_view`` renders the events.
"""
