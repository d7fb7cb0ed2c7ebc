"""The rspdsl language server (issue 15): `rspdsl lsp` speaks LSP over stdio.

Only server.py (timing: debounce, proof scheduling), features.py (one handler per LSP method) and
convert.py (plain records to lsprotocol types) import pygls and lsprotocol. Every other module
works on plain data (text, spans, the AST, the checked Policy), so the features are tested and
benchmarked without a client:

    documents.py    open texts, ranged edits in the negotiated position units (positions.py)
    analysis.py     the front end on one version; incremental.py reparses only what an edit touched
    index.py        every name: its declaration and uses (navigation.py, completion.py, hover.py)
    proofs.py       cancellable proof jobs on one worker thread
    lenses.py       proof lenses and did-you-mean quick fixes
    adapter.py      the ONE module that reads the front end's and the prover's result classes

Sentences shown in the editor are made in rspdsl/render/editor.py.
"""
