"""Use cases: what runback does (take a run, record symptoms, decide, push, report), over the
adapters and the pure rules."""
