"""Desired-state models: plain frozen data built from the spec, one module per AWS resource.

Nothing here calls AWS. Each model knows the request that creates it (checked against
botocore's service model in the tests) and the comparable fields the planner diffs
against what AWS reports.
"""
