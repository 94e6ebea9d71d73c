"""The compiler: a checked AST in, the IR (`organizer.json`) and its JSON Schemas out.

`lower` (AST -> `runtime.program.Program`, gotos via `jumps`), `presence` and `predicates`
(which answers must be absent or present, as JSON Schema), `values` (value schemas), `schema`
(submission and draft schemas), `runtime_only` (what only the runtime can check), `build`
(`compile_source`, `build_library`, the list of emitters).
"""
