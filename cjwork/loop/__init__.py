"""The closed loop: callback cases per owner, actions with measured impact, what-if.

* :mod:`cjwork.loop.cases` — rules per journey (``cases:`` in journeys.yml) select the
  customers to call back, one list per owner; filled-in lists give closure rates.
* :mod:`cjwork.loop.actions` — ``actions.yml`` in the workspace; the before/after effect of
  every live action as a difference in differences with a bootstrap interval.
* :mod:`cjwork.loop.whatif` — the expected change in sentiment and NPS if a KPI met its target.
* :mod:`cjwork.loop.tables` — the tables ``cjwork analyze`` adds (themes, changes, actions).
"""
