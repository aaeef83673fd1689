"""`pipectl insights`: where each run's time and money go, and what would make it faster.

``reads`` gathers what AWS knows about the last runs (batched, parallel by service);
``timeline`` turns one run into the steps of its critical path; ``stats`` and ``cost``
summarise the runs; each module of ``rules`` makes one recommendation, and only
with evidence. Nothing here prints: ``pipectl.ui.insights_view`` draws the report.
"""
