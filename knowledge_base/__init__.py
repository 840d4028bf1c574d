"""Policy FAQ: storage, import/export, the pure matcher and its evaluation."""
