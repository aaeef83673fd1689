"""``pipectl import``: read a pipeline that exists and write the spec that describes it.

``live`` reads the resources (read-only calls, independent ones in parallel);
``stages`` checks that the pipeline has the shape a spec describes (Source -> Build ->
Deploy, one action each) and reads the three actions; ``translate`` turns what was read
into the spec, the task definition and the buildspec, noting every setting the spec
cannot hold; ``files`` writes them.
"""
