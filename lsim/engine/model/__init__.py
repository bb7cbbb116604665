"""The ``model`` engine: a discrete-event simulation of Go goroutines on P processors
contending for a store design's locks under Go's ``sync`` rules, in virtual time.

``run_model(workload, store, ...)`` returns the same :class:`~lsim.profile.model.Profile`
the threads engine does, so every renderer and comparison works on both. Modules:
``sim`` (event loop, scheduler), ``golock`` (Mutex/RWMutex drivers over
``lsim.sync.rules``), ``designs``/``designs_maps`` (per-design lock scripts), ``program``
(the plan contract), ``census``, ``report``, ``run``.
"""

from lsim.engine.model.run import parse_sim_time, run_model

__all__ = ["parse_sim_time", "run_model"]
