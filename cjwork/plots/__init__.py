"""Figures: each a function that takes tidy data (and an Axes where it fits) and returns the figure.

Modules by figure type — ``journey_map`` (the wall chart and emotion curve), ``priority``
(importance × performance matrix), ``trends`` (KPI trend lines, process-metric bands),
``persona_cards`` and the analytics figures (funnel, flow). Each has a data function that
returns the numbers it draws.
"""
