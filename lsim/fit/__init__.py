"""``lsim fit``: back-solve a model workload whose census reproduces a goroutine dump.

``target`` says what to reproduce (a dump's census, or the numbers of its table),
``workload`` builds the candidate workloads and the YAML file, ``search`` runs the model a
few times (coarse, then at the dump's goroutine count) to fit the pause per call and the
operation mix, ``predict`` runs every design on the fitted workload, ``report`` prints it.
"""
