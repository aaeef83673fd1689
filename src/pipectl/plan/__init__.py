"""Planner and executor: read AWS, diff it against the desired state, apply the difference.

One small planner per resource type (``planners/``), listed in dependency order in
``registry``; ``planner.make_plan`` reads every resource in parallel and returns a
:class:`~pipectl.plan.model.Plan`; ``executor.apply_plan`` applies it step by step and
yields progress events; ``destroy`` plans and performs the reverse.
"""
