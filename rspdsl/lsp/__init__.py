"""The rspdsl language server (issue 15): `rspdsl lsp` speaks LSP over stdio.

Only server.py imports pygls and lsprotocol; every other module here works on plain data (text,
spans, the checked Policy), so features are tested and benchmarked without a client. adapter.py
is the one module that reads the front end's and the prover's result classes.
"""
