"""The vector index of an archive home, after txtai's `ann/`: one owner, small backends.

    base.py          the `VectorStore` interface, its errors, the checks every backend shares
    manifest.py      <home>/index/manifest.json: the only reader and writer of that file
    faiss_store.py   the FAISS backend (the default): a file beside the manifest
    milvus_store.py  the Milvus backend (Lite or a server), over milvus_client.py
    factory.py       the `--vector-store` setting, and the store it names, created or opened
    vector_index.py  `VectorIndex`: embedding, saving, stale detection; what the library calls
    upkeep.py        the deep comparison of `check` and the repair of `check --repair`

Nothing is imported here, so a command that reads no vectors loads none of them.
"""
