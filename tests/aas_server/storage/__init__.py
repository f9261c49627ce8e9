"""The storage contract suite: one set of tests that every :class:`aas_server.storage.Storage` backend passes."""
