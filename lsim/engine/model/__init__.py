"""The ``model`` engine: a discrete-event simulation of Go goroutines on P processors
contending for a store design's locks under Go's ``sync`` rules, in virtual time.

``run_model(workload, store, ...)`` returns the same :class:`~lsim.profile.model.Profile`
the threads engine does, so every renderer and comparison works on both.

Modules, in the order data flows: ``run`` (builds a run, ``parse_sim_time``), ``program``
(the plan contract: real store for results), ``designs``/``designs_maps``/``designs_fanout``
(per-design lock scripts, derived from ``lsim/stores/locking.py`` by ``stated`` where it
states the costs) built with ``script``, ``sim`` (event loop) on ``sched`` (Go's scheduler),
``golock`` (Mutex/RWMutex drivers over ``lsim.sync.rules``), ``census``, ``stats``,
``locks_report`` and ``report`` (-> Profile). ``core`` holds the shared records.
``lsim calibrate`` is ``calibrate`` (per-call costs fitted to ``--engine go``) on ``machine``
(the runtime's costs, measured by the small Go program in ``calib/``).
"""

from lsim.engine.model.run import parse_sim_time, run_model

__all__ = ["parse_sim_time", "run_model"]
