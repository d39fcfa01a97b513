"""The synthetic sample company "Rheinstrom Energie AG", with its planted truth.

``write_sample(out_dir, n_customers=3000, seed=42)`` writes a complete workspace
(``journeys.yml``, ``customers``, ``events``, ``feedback``) plus ``truth/`` with the answers
an analysis should find: personas, sentiment per comment, and the planted effects
(``truth/effects.json``). Modules: :mod:`~cjwork.sample.company` (the company, personas and
experience model), :mod:`~cjwork.sample.generate` (vectorised generation per chunk of
customers), :mod:`~cjwork.sample.text` (the feedback phrase grammar),
:mod:`~cjwork.sample.truth` (effects.json / README.md), :mod:`~cjwork.sample.write`.
"""

from cjwork.sample.company import COMPANY, PERSONAS, journey_map, journeys_yml_text
from cjwork.sample.write import CHUNK, write_sample

__all__ = ["CHUNK", "COMPANY", "PERSONAS", "journey_map", "journeys_yml_text", "write_sample"]
