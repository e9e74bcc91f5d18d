"""District programmes (SPEC §9): many compounds, shared contractors and machines, one plan.

`models.programme` loads programme.yaml and its compounds; `coordinate` decomposes the programme into
per-compound CP-SAT sub-problems coordinated through the shared pools (`pools`), run as Dask tasks
(`engine`, `jobs`); `outputs` writes the releases, programme.json, the programme Gantt and the shared
trades' feeds; `check` referees a written programme. The method and its figures: docs/programme.md.
"""
